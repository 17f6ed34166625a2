package io.stepstream;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * When and how often a failed step is tried again. The wait between attempts is a durable timer,
 * not a sleeping thread: an instance may restart in between and the attempt count goes on.
 *
 * <p>Defaults: first retry after 1 s, each wait twice the previous one (±20 % jitter) up to 60 s,
 * at most 3 attempts in all. A step stops retrying at once when it throws {@link
 * NonRetryableStepException} or an exception whose class is listed in {@code nonRetryable}.
 *
 * <pre>{@code
 * RetryPolicy llmPolicy = RetryPolicy.builder()
 *     .initialInterval(Duration.ofSeconds(2))
 *     .maximumAttempts(6)
 *     .nonRetryable(IllegalArgumentException.class)
 *     .build();
 * ctx.step("summarize", Summary.class, StepOptions.retry(llmPolicy), s -> llm.summarize(text));
 * }</pre>
 */
public final class RetryPolicy {
  /** 1 s, x2, max 60 s, 3 attempts, 20 % jitter. */
  public static final RetryPolicy DEFAULT = builder().build();

  private final Duration initialInterval;
  private final double backoffCoefficient;
  private final Duration maximumInterval;
  private final int maximumAttempts;
  private final double jitter;
  private final Set<String> nonRetryable;

  private RetryPolicy(Builder b) {
    this.initialInterval = b.initialInterval;
    this.backoffCoefficient = b.backoffCoefficient;
    this.maximumInterval = b.maximumInterval;
    this.maximumAttempts = b.maximumAttempts;
    this.jitter = b.jitter;
    this.nonRetryable = Set.copyOf(b.nonRetryable);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** One attempt, no retries. */
  public static RetryPolicy noRetries() {
    return builder().maximumAttempts(1).build();
  }

  /**
   * The wait before attempt {@code failedAttempt + 1}: initial x coefficient^(failedAttempt-1),
   * capped, then spread by ±jitter using {@code random} in [0, 1).
   */
  public Duration delayAfter(int failedAttempt, double random) {
    double base = initialInterval.toMillis() * Math.pow(backoffCoefficient, Math.max(0, failedAttempt - 1));
    double capped = Math.min(base, maximumInterval.toMillis());
    double spread = capped * jitter * (2 * random - 1);
    return Duration.ofMillis(Math.max(0, Math.round(capped + spread)));
  }

  /** Whether another attempt may follow attempt {@code failedAttempt}, which failed with {@code errorType}. */
  public boolean allowsRetry(int failedAttempt, String errorType) {
    if (nonRetryable.contains(errorType) || NonRetryableStepException.class.getName().equals(errorType)) {
      return false;
    }
    return maximumAttempts == 0 || failedAttempt < maximumAttempts;
  }

  public Duration initialInterval() {
    return initialInterval;
  }

  public double backoffCoefficient() {
    return backoffCoefficient;
  }

  public Duration maximumInterval() {
    return maximumInterval;
  }

  /** 0 means unlimited. */
  public int maximumAttempts() {
    return maximumAttempts;
  }

  public double jitter() {
    return jitter;
  }

  public Set<String> nonRetryable() {
    return nonRetryable;
  }

  @Override
  public String toString() {
    return "RetryPolicy{initial=" + initialInterval + ", x" + backoffCoefficient + ", max=" + maximumInterval + ", attempts="
        + (maximumAttempts == 0 ? "unlimited" : maximumAttempts) + ", jitter=" + jitter + ", nonRetryable=" + nonRetryable + "}";
  }

  /** Builds a {@link RetryPolicy}; every setting has the default documented on the class. */
  public static final class Builder {
    private Duration initialInterval = Duration.ofSeconds(1);
    private double backoffCoefficient = 2.0;
    private Duration maximumInterval = Duration.ofSeconds(60);
    private int maximumAttempts = 3;
    private double jitter = 0.2;
    private final Set<String> nonRetryable = new TreeSet<>();

    public Builder initialInterval(Duration d) {
      this.initialInterval = Objects.requireNonNull(d);
      return this;
    }

    public Builder backoffCoefficient(double c) {
      if (c < 1.0) {
        throw new IllegalArgumentException("backoffCoefficient must be >= 1.0, was " + c);
      }
      this.backoffCoefficient = c;
      return this;
    }

    public Builder maximumInterval(Duration d) {
      this.maximumInterval = Objects.requireNonNull(d);
      return this;
    }

    /** Attempts in all, including the first; 0 = unlimited. */
    public Builder maximumAttempts(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maximumAttempts must be >= 0 (0 = unlimited), was " + n);
      }
      this.maximumAttempts = n;
      return this;
    }

    /** Fraction of each wait added or removed at random, 0 to 1 (default 0.2). */
    public Builder jitter(double fraction) {
      if (fraction < 0 || fraction > 1) {
        throw new IllegalArgumentException("jitter must be within [0, 1], was " + fraction);
      }
      this.jitter = fraction;
      return this;
    }

    /** Exception types (matched by exact class name, also on replay) that end retrying at once. */
    @SafeVarargs
    public final Builder nonRetryable(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> t : types) {
        nonRetryable.add(t.getName());
      }
      return this;
    }

    /**
     * Error types chosen by the code ({@link WorkflowFailure#type()}) that end retrying at once.
     *
     * <pre>{@code
     * RetryPolicy.builder().maximumAttempts(5).nonRetryableTypes("PAYMENT_DECLINED", "INVALID_ADDRESS").build()
     * }</pre>
     */
    public Builder nonRetryableTypes(String... errorTypes) {
      nonRetryable.addAll(java.util.List.of(errorTypes));
      return this;
    }

    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
