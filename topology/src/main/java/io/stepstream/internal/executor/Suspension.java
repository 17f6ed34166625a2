package io.stepstream.internal.executor;

/**
 * Unwinds workflow code when the run must wait (retry backoff, sleep): the execution ends with a
 * WAITING completion and the orchestrator dispatches the run again at {@code wakeAt}. An {@link
 * Error} so user code catching {@code Exception} does not swallow it.
 */
final class Suspension extends Error {
  /** What kinds of wait the orchestrator distinguishes (timers of approvals and signals resolve the wait). */
  enum Kind { SLEEP, RETRY, APPROVAL, SIGNAL, CHILD, PROMISE, PERMIT }

  /** {@link #wakeAt} of a wait without a deadline (a child, a promise or approval without one): no timer, only an input wakes the run. */
  static final long NO_DEADLINE = Long.MAX_VALUE;

  final long wakeAt;
  final String reason;
  final Kind kind;
  final String waitName;

  Suspension(long wakeAt, String reason, Kind kind, String waitName) {
    super(reason, null, false, false);
    this.wakeAt = wakeAt;
    this.reason = reason;
    this.kind = kind;
    this.waitName = waitName;
  }
}
