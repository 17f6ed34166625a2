package io.stepstream.client;

import java.time.Instant;
import java.util.List;

/**
 * An approval a run waits for now, as the engine's query API lists it ({@link
 * WorkflowClient#pendingApprovals(RunQuery)}), with the token a decision must carry.
 *
 * <pre>{@code
 * for (ApprovalItem a : client.pendingApprovals(RunQuery.all()).approvals()) {
 *   System.out.println(a.runId() + " " + a.approvalName() + ": " + a.subject());
 * }
 * }</pre>
 *
 * @param details what the approver is shown, or null
 * @param deadline when the wait times out, or null for none
 */
public record ApprovalItem(
    String runId,
    String workflowType,
    String approvalName,
    String subject,
    PayloadView details,
    List<String> allowedApprovers,
    List<String> allowedGroups,
    Instant deadline,
    Instant requestedAt,
    String token) {
  public ApprovalItem {
    allowedApprovers = List.copyOf(allowedApprovers);
    allowedGroups = List.copyOf(allowedGroups);
  }
}
