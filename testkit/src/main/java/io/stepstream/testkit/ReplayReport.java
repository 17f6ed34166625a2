package io.stepstream.testkit;

import io.stepstream.NonDeterminismException;

/**
 * What replaying one run's history against the current code found.
 *
 * @param runId the run replayed
 * @param workflowType its workflow type
 * @param recordedStatus the run's status when the history was taken ({@code COMPLETED}, {@code WAITING}, ...), or null if unknown
 * @param problem null if the code replays the history; else what changed, naming the run and the step (the message of
 *     the {@link NonDeterminismException} the engine would park the run with, or what a finished run's replay lacks)
 * @param historyEndedAt the step the code reached after the last recorded entry (a run in flight continues there), or null
 */
public record ReplayReport(String runId, String workflowType, String recordedStatus, String problem, String historyEndedAt) {

  /** True if the current code replays this history as recorded. */
  public boolean deterministic() {
    return problem == null;
  }

  /** Throws the problem as a {@link NonDeterminismException}, if there is one. */
  public ReplayReport assertDeterministic() {
    if (problem != null) {
      throw new NonDeterminismException(problem);
    }
    return this;
  }

  @Override
  public String toString() {
    return runId + " (" + workflowType + ", " + (recordedStatus == null ? "status unknown" : recordedStatus) + "): "
        + (problem == null ? "ok" + (historyEndedAt == null ? "" : ", continues at step '" + historyEndedAt + "'") : problem);
  }
}
