package io.stepstream.internal.orchestrator;

import java.util.List;

/** Who a decision is from: verified by an identity token, or as the decision itself says (self-asserted). */
record Approver(String name, List<String> groups, boolean verified) {
  Approver {
    groups = List.copyOf(groups);
  }

  @Override
  public String toString() {
    return "'" + name + "'" + (verified ? " (verified)" : "");
  }
}
