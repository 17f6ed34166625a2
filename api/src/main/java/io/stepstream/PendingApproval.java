package io.stepstream;

import java.time.Instant;
import java.util.List;

/** An approval a run is waiting for, as listed by {@link WorkflowClient#pendingApprovals}. */
public record PendingApproval(
    String runId,
    String approvalName,
    String workflowType,
    String subject,
    String details,
    List<String> approvers,
    List<String> groups,
    Instant deadline,
    String token) {}
