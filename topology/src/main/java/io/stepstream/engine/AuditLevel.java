package io.stepstream.engine;

/**
 * How much of a run's life the engine writes to the events topic ({@code <prefix>.events}), the audit
 * trail that consumers, the web console's live view and connectors read.
 *
 * <p>Whatever the level, every step is in the run's journal (history, describe and replay read the
 * journal, not the events topic), and results are unchanged. The level only decides which routine
 * events are also published.
 *
 * <pre>{@code
 * Stepstream.builder()
 *     .auditLevel(AuditLevel.LEAN)   // one event per step fewer: run starts, ends, waits, failures, retries, decisions
 *     ...
 * }</pre>
 */
public enum AuditLevel {
  /** Every event (the default): a complete audit trail, including one STEP_COMPLETED per step. */
  FULL,
  /**
   * Everything except the routine success events of steps: STEP_COMPLETED, VALUE_RECORDED (a recorded
   * {@code ctx.now()}/{@code randomUUID()}) and HEARTBEAT. Run starts and ends, failed attempts,
   * retries, timeouts, waits, approvals, signals, cancellations and children are all still written.
   * A three-step run writes two events instead of five.
   */
  LEAN
}
