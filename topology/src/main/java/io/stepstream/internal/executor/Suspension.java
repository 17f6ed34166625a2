package io.stepstream.internal.executor;

/**
 * Unwinds workflow code when the run must wait (retry backoff, sleep): the execution ends with a
 * WAITING completion and the orchestrator dispatches the run again at {@code wakeAt}. An {@link
 * Error} so user code catching {@code Exception} does not swallow it.
 */
final class Suspension extends Error {
  final long wakeAt;
  final String reason;

  Suspension(long wakeAt, String reason) {
    super(reason, null, false, false);
    this.wakeAt = wakeAt;
    this.reason = reason;
  }
}
