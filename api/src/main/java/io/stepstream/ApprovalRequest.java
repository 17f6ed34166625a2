package io.stepstream;

import java.util.List;

/**
 * What a workflow asks a human to decide, for {@link WorkflowContext#awaitApproval}. Published on
 * {@code <prefix>.approval-requests} with a signed token that the decision must carry.
 *
 * <pre>{@code
 * Approval a = ctx.awaitApproval("refund-review",
 *     ApprovalRequest.of("Refund 420 EUR to " + customer)
 *         .details(proposedRefund)              // shown to the approver; may be edited back
 *         .approvers("alice", "bob")            // or .groups("support-leads")
 *         .timedOutDecisionOnTimeout(),         // default: throw ApprovalTimeoutException
 *     Duration.ofDays(7));
 * }</pre>
 */
public record ApprovalRequest(
    String subject, Object details, List<String> approvers, List<String> groups, boolean throwOnTimeout) {

  public static ApprovalRequest of(String subject) {
    return new ApprovalRequest(subject, null, List.of(), List.of(), true);
  }

  /** Context for the approver: any record/POJO (JSON) or Avro type. */
  public ApprovalRequest details(Object value) {
    return new ApprovalRequest(subject, value, approvers, groups, throwOnTimeout);
  }

  /**
   * Only these approvers may decide (with {@link #groups}: either matches). Both empty = anyone who
   * can send a decision with the approval's token (and, where the engine verifies approvers, a valid
   * identity token). Where approvers are verified, names are matched against the identity token's
   * username claim, groups against its groups claim; otherwise against what the decision says.
   */
  public ApprovalRequest approvers(String... names) {
    return new ApprovalRequest(subject, details, List.of(names), groups, throwOnTimeout);
  }

  /** Members of these groups may decide (with {@link #approvers}: either matches). */
  public ApprovalRequest groups(String... names) {
    return new ApprovalRequest(subject, details, approvers, List.of(names), throwOnTimeout);
  }

  /** On timeout return an {@link Approval} with {@code timedOut() == true} (and not approved) instead of throwing. */
  public ApprovalRequest timedOutDecisionOnTimeout() {
    return new ApprovalRequest(subject, details, approvers, groups, false);
  }
}
