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
 *    +--> COMPLETED | FAILED | CANCELLED   (final: one result per run)
 * </pre>
 */
public enum RunStatus {
  RUNNING,
  COMPLETED,
  FAILED,
  CANCELLED,
  PARKED,
  WAITING;

  /** True for the statuses a run ends with (a result is written once). */
  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
