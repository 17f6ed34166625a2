package io.stepstream.client;

import io.stepstream.RunStatus;
import java.time.Instant;

/**
 * One run in a list ({@link WorkflowClient#listRuns}).
 *
 * <pre>{@code
 * for (RunSummary run : client.listRuns(RunQuery.builder().status(RunStatus.WAITING).build()).runs()) {
 *   System.out.println(run.runId() + " waits for " + run.waitKind() + " " + run.waitName());
 * }
 * }</pre>
 *
 * @param finishedAt when it ended, null unless COMPLETED, FAILED or CANCELLED
 * @param waitKind WAITING: SLEEP, RETRY, APPROVAL, SIGNAL, PROMISE or CHILD; else null
 * @param waitName WAITING on an approval, event or promise: its name
 * @param wakeAt WAITING: when its timer fires (null: a wait without a deadline)
 * @param parkedReason PARKED: why, and what to do
 * @param parentRunId a child run: the run that started it
 */
public record RunSummary(
    String runId,
    String workflowType,
    RunStatus status,
    Instant createdAt,
    Instant updatedAt,
    Instant finishedAt,
    String waitKind,
    String waitName,
    Instant wakeAt,
    String parkedReason,
    String parentRunId) {}
