package io.stepstream.internal.executor;

import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import java.util.Map;

/**
 * Everything an execution needs, copied off the stream thread's stores at dispatch time: the run's
 * journal as it was when generation {@code generation} started, and whether the run is being
 * cancelled.
 */
public record ExecutionRequest(
    String runId,
    String workflowType,
    int generation,
    Payload input,
    Map<String, JournalEntry> journal,
    boolean cancelRequested,
    String cancelReason) {

  public ExecutionRequest(String runId, String workflowType, int generation, Payload input, Map<String, JournalEntry> journal) {
    this(runId, workflowType, generation, input, journal, false, null);
  }
}
