package io.stepstream;

import java.time.Duration;

/**
 * Per-step retry policy and timeouts. Unset values fall back to the workflow's defaults (retry) or
 * mean "no limit" (timeouts).
 *
 * <pre>{@code
 * StepOptions llmCall = StepOptions.defaults()
 *     .withRetry(RetryPolicy.builder().maximumAttempts(5).build())
 *     .withStartToCloseTimeout(Duration.ofSeconds(30))      // each attempt
 *     .withScheduleToCloseTimeout(Duration.ofMinutes(5))    // all attempts together
 *     .withHeartbeatTimeout(Duration.ofSeconds(10));        // for steps that call s.heartbeat(...)
 * }</pre>
 *
 * <p>A timed-out attempt counts as failed (error type {@code STEP_TIMEOUT}) and its thread is
 * interrupted; if it still returns later, its result is dropped.
 */
public record StepOptions(
    RetryPolicy retry, Duration startToCloseTimeout, Duration scheduleToCloseTimeout, Duration heartbeatTimeout) {

  private static final StepOptions DEFAULTS = new StepOptions(null, null, null, null);

  public static StepOptions defaults() {
    return DEFAULTS;
  }

  public static StepOptions retry(RetryPolicy policy) {
    return DEFAULTS.withRetry(policy);
  }

  public StepOptions withRetry(RetryPolicy policy) {
    return new StepOptions(policy, startToCloseTimeout, scheduleToCloseTimeout, heartbeatTimeout);
  }

  public StepOptions withStartToCloseTimeout(Duration d) {
    return new StepOptions(retry, d, scheduleToCloseTimeout, heartbeatTimeout);
  }

  public StepOptions withScheduleToCloseTimeout(Duration d) {
    return new StepOptions(retry, startToCloseTimeout, d, heartbeatTimeout);
  }

  public StepOptions withHeartbeatTimeout(Duration d) {
    return new StepOptions(retry, startToCloseTimeout, scheduleToCloseTimeout, d);
  }

  /** True if any timeout is set (the attempt then runs on its own thread so it can be abandoned). */
  public boolean hasAttemptTimeout() {
    return startToCloseTimeout != null || scheduleToCloseTimeout != null || heartbeatTimeout != null;
  }
}
