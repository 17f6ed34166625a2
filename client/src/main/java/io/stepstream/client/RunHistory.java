package io.stepstream.client;

import io.stepstream.RunStatus;
import java.util.List;

/**
 * A run's journal in the order it was recorded ({@link WorkflowClient#history}): steps, failed
 * attempts, waits and their resolutions, recorded values, the result.
 *
 * <pre>{@code
 * client.history("order-42").ifPresent(h -> h.entries().forEach(e ->
 *     System.out.println(e.kind() + " " + e.name() + " " + e.duration())));
 * }</pre>
 */
public record RunHistory(String runId, String workflowType, RunStatus status, List<HistoryEntry> entries, String servedBy) {
  public RunHistory {
    entries = List.copyOf(entries);
  }
}
