package io.stepstream;

/**
 * Where a run is in its life. A result on the results topic carries one of the final statuses.
 *
 * <pre>
 *            +--> WAITING (durable timer: sleep, retry backoff, approval, event) --+
 *            |                                                                     |
 * RUNNING <--+--> PARKED (non-determinism, undecodable journal, redispatch limit;  |
 *    |             resumed by a restart or the RESUME command)                     |
 *    +<--------------------------------------------------------------------------+
 *    |
 *    +--> COMPLETED | FAILED | CANCELLED   (final: one result per run, unless an operator restarts it)
 *
 * any status --> TERMINATED   (an operator ended it at once: no compensations; final)
 * </pre>
 *
 * <p>A final run restarted by an operator from a step ({@code stepstream runs restart}) runs again
 * and writes a new result for the same run id; see docs/operations.md.
 */
public enum RunStatus {
  RUNNING,
  COMPLETED,
  FAILED,
  CANCELLED,
  PARKED,
  WAITING,
  /** Ended at once by an operator's terminate command, whatever it was doing; no compensations ran. */
  TERMINATED;

  /** True for the statuses a run ends with (a result is written; again only if an operator restarts the run). */
  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED || this == TERMINATED;
  }
}
