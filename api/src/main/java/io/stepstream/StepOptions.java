package io.stepstream;

import java.time.Duration;
import java.util.List;

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
 *
 * <p>Flow control and budgets: a step naming limiters ({@link #withLimiter}) starts only when each
 * grants it a permit (concurrency, requests and tokens per minute, across every engine instance);
 * while it waits the run is parked and holds no thread. {@link #withPriority} orders waiting steps;
 * {@link #withEstimatedTokens} is what a tokens-per-minute limiter reserves before the step reports
 * its real {@link Usage}. {@link #withBudgetKey} charges the step's usage to a shared budget (a
 * tenant, a session) and refuses the step when that budget is used up.
 *
 * <pre>{@code
 * StepOptions gpt = StepOptions.defaults()
 *     .withLimiter("openai-gpt-4o")             // declared on the engine: Stepstream.builder().limiter(...)
 *     .withEstimatedTokens(2_000)
 *     .withPriority(10)                         // higher first
 *     .withBudgetKey("tenant:" + tenant);
 * }</pre>
 */
public record StepOptions(
    RetryPolicy retry,
    Duration startToCloseTimeout,
    Duration scheduleToCloseTimeout,
    Duration heartbeatTimeout,
    List<String> limiters,
    int priority,
    long estimatedTokens,
    String budgetKey) {

  private static final StepOptions DEFAULTS = new StepOptions(null, null, null, null, List.of(), 0, 0, null);

  public StepOptions {
    limiters = limiters == null ? List.of() : List.copyOf(limiters);
    if (estimatedTokens < 0) {
      throw new IllegalArgumentException("estimatedTokens must not be negative: " + estimatedTokens);
    }
  }

  public static StepOptions defaults() {
    return DEFAULTS;
  }

  public static StepOptions retry(RetryPolicy policy) {
    return DEFAULTS.withRetry(policy);
  }

  public StepOptions withRetry(RetryPolicy policy) {
    return new StepOptions(policy, startToCloseTimeout, scheduleToCloseTimeout, heartbeatTimeout, limiters, priority, estimatedTokens, budgetKey);
  }

  public StepOptions withStartToCloseTimeout(Duration d) {
    return new StepOptions(retry, d, scheduleToCloseTimeout, heartbeatTimeout, limiters, priority, estimatedTokens, budgetKey);
  }

  public StepOptions withScheduleToCloseTimeout(Duration d) {
    return new StepOptions(retry, startToCloseTimeout, d, heartbeatTimeout, limiters, priority, estimatedTokens, budgetKey);
  }

  public StepOptions withHeartbeatTimeout(Duration d) {
    return new StepOptions(retry, startToCloseTimeout, scheduleToCloseTimeout, d, limiters, priority, estimatedTokens, budgetKey);
  }

  /** Adds a limiter (declared on the engine) this step needs a permit from before it runs. */
  public StepOptions withLimiter(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("limiter name must not be blank");
    }
    List<String> names = new java.util.ArrayList<>(limiters);
    if (!names.contains(name)) {
      names.add(name);
    }
    return new StepOptions(retry, startToCloseTimeout, scheduleToCloseTimeout, heartbeatTimeout, names, priority, estimatedTokens, budgetKey);
  }

  /** Order among steps waiting for the same limiter: higher first, then first come. Default 0. */
  public StepOptions withPriority(int priority) {
    return new StepOptions(retry, startToCloseTimeout, scheduleToCloseTimeout, heartbeatTimeout, limiters, priority, estimatedTokens, budgetKey);
  }

  /** Tokens a tokens-per-minute limiter reserves for this step until it reports its real usage. */
  public StepOptions withEstimatedTokens(long tokens) {
    return new StepOptions(retry, startToCloseTimeout, scheduleToCloseTimeout, heartbeatTimeout, limiters, priority, tokens, budgetKey);
  }

  /** Charges this step's usage to the shared budget {@code key} (e.g. {@code "tenant:acme"}); refused when it is used up. */
  public StepOptions withBudgetKey(String key) {
    return new StepOptions(retry, startToCloseTimeout, scheduleToCloseTimeout, heartbeatTimeout, limiters, priority, estimatedTokens, key);
  }

  /** True if any timeout is set (the attempt then runs on its own thread so it can be abandoned). */
  public boolean hasAttemptTimeout() {
    return startToCloseTimeout != null || scheduleToCloseTimeout != null || heartbeatTimeout != null;
  }
}
