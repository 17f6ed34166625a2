package io.stepstream.internal.executor;

import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunCompletion;
import io.stepstream.avro.StepOutcome;
import java.util.List;
import java.util.Map;

/**
 * Everything an execution needs, copied off the stream thread's stores at dispatch time: the run's
 * journal as it was when the execution started, and whether the run is being cancelled.
 *
 * <p>{@code executionId} is the fence: unique for every dispatch and never reused, also when a crash
 * rolls the run's state back to before the dispatch (a restored counter would repeat, and the dead
 * execution's outcomes would pass for the new one's). {@code generation} only numbers dispatches for
 * people reading the audit trail.
 *
 * <p>{@code traceHeaders}: the run's W3C trace context (may be null), put on every outcome it
 * publishes and the parent of its step spans.
 */
public record ExecutionRequest(
    String runId,
    String workflowType,
    int generation,
    String executionId,
    Payload input,
    Map<String, JournalEntry> journal,
    boolean cancelRequested,
    String cancelReason,
    Map<String, String> traceHeaders) {

  public ExecutionRequest(String runId, String workflowType, int generation, Payload input, Map<String, JournalEntry> journal) {
    this(runId, workflowType, generation, runId + "/test-" + generation, input, journal, false, null, null);
  }

  /** A copy carrying the run's W3C trace context ({@link TraceHeaders}). */
  public ExecutionRequest withTraceHeaders(Map<String, String> headers) {
    return new ExecutionRequest(runId, workflowType, generation, executionId, input, journal, cancelRequested, cancelReason, headers);
  }

  /** An outcome of this execution, carrying its identity. */
  public StepOutcome outcome(List<JournalEntry> entries, RunCompletion completion) {
    return StepOutcome.newBuilder()
        .setRunId(runId)
        .setGeneration(generation)
        .setExecutionId(executionId)
        .setEntries(entries)
        .setCompletion(completion)
        .build();
  }
}
