package io.stepstream;

/**
 * What a step body knows about itself.
 *
 * <pre>{@code
 * ctx.step("charge", Receipt.class, s -> payments.charge(order, s.idempotencyKey()));
 * }</pre>
 */
public interface StepContext {

  String runId();

  String stepName();

  /** 1 for the first attempt. */
  int attempt();

  /**
   * Reports progress of a long step. Resets the heartbeat timeout; {@code details} (may be null) are
   * journaled, at most about once a second, and the next attempt can read them with {@link
   * #lastHeartbeat(Class)} to resume where this one stopped.
   */
  void heartbeat(Object details);

  /** Details of the last journaled heartbeat of this step, from this or an earlier attempt. */
  <T> java.util.Optional<T> lastHeartbeat(Class<T> type);

  /**
   * {@code <runId>/<stepName>}: the same for every attempt and every re-execution after a crash,
   * so an external system that deduplicates on it applies the effect once.
   */
  default String idempotencyKey() {
    return runId() + "/" + stepName();
  }
}
