package io.stepstream.internal.identity;

import java.util.List;

/** Who an identity token proves the approver is: the username claim and the groups claim, verified. */
public record VerifiedApprover(String username, List<String> groups) {
  public VerifiedApprover {
    groups = List.copyOf(groups);
  }
}
