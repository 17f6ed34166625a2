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
   * {@code <runId>/<stepName>}: the same for every attempt and every re-execution after a crash,
   * so an external system that deduplicates on it applies the effect once.
   */
  default String idempotencyKey() {
    return runId() + "/" + stepName();
  }
}
