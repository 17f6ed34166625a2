package io.stepstream;

import java.time.Duration;

/**
 * How a remote task ({@link WorkflowContext#task}) is attempted: each attempt's timeout, how often a
 * worker must show it is alive, and the retry policy across attempts.
 *
 * <pre>{@code
 * TaskOptions llm = TaskOptions.defaults()
 *     .withTimeout(Duration.ofMinutes(2))            // each attempt, from dispatch to outcome
 *     .withHeartbeatTimeout(Duration.ofSeconds(20))  // the worker sends a heartbeat at least this often
 *     .withRetry(RetryPolicy.builder().maximumAttempts(4).build());
 * }</pre>
 *
 * @param timeout each attempt's deadline, counted from its dispatch (a queued task's time counts);
 *     default 5 minutes; never unbounded, so a task nobody picks up cannot hold a run forever
 * @param heartbeatTimeout null: no heartbeats asked for; else the attempt also times out when no
 *     heartbeat (or outcome) arrived for this long, and each heartbeat pushes its deadline up to
 *     {@code timeout}
 * @param retry null: the engine's default retry policy (as for local steps)
 */
public record TaskOptions(Duration timeout, Duration heartbeatTimeout, RetryPolicy retry) {
  /** The default attempt timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private static final TaskOptions DEFAULTS = new TaskOptions(DEFAULT_TIMEOUT, null, null);

  public TaskOptions {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a task's timeout must be positive: " + timeout);
    }
    if (heartbeatTimeout != null && (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero())) {
      throw new IllegalArgumentException("a task's heartbeat timeout must be positive (or null for none): " + heartbeatTimeout);
    }
  }

  public static TaskOptions defaults() {
    return DEFAULTS;
  }

  public TaskOptions withTimeout(Duration d) {
    return new TaskOptions(d, heartbeatTimeout, retry);
  }

  public TaskOptions withHeartbeatTimeout(Duration d) {
    return new TaskOptions(timeout, d, retry);
  }

  public TaskOptions withRetry(RetryPolicy policy) {
    return new TaskOptions(timeout, heartbeatTimeout, policy);
  }
}
