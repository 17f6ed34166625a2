package io.stepstream.client;

import java.util.List;
import java.util.Optional;

/**
 * One page of pending approvals, of the newest runs first.
 *
 * <pre>{@code
 * ApprovalPage page = client.pendingApprovals(RunQuery.builder().type("support").build());
 * page.approvals().forEach(a -> System.out.println(a.runId() + ": " + a.subject()));
 * }</pre>
 */
public record ApprovalPage(List<ApprovalItem> approvals, Optional<String> nextCursor) {
  public ApprovalPage {
    approvals = List.copyOf(approvals);
  }
}
