package io.stepstream.engine;

import java.time.Duration;

/**
 * A named limiter the engine enforces across all its instances (docs/flow-control.md): at most so
 * many steps holding a permit at once, so many requests per minute (spaced evenly, no bursts), so
 * many tokens per minute (what steps estimate, corrected by what they report). Steps use it by name
 * with {@link io.stepstream.StepOptions#withLimiter}; a step waiting for a permit holds no thread.
 *
 * <pre>{@code
 * Stepstream.builder()
 *     .limiter(Limiter.named("openai-gpt-4o").maxConcurrent(8).requestsPerMinute(500).tokensPerMinute(30_000))
 *     .register("answer", Question.class, (ctx, q) ->
 *         ctx.step("ask", String.class, StepOptions.defaults().withLimiter("openai-gpt-4o").withEstimatedTokens(1_500), s -> {
 *           ChatResponse r = model.chat(q.text());
 *           s.reportUsage(Usage.tokens(r.inputTokens(), r.outputTokens()));
 *           return r.text();
 *         }))
 * }</pre>
 *
 * <p>Declare the same limiters on every instance: the instance that coordinates a limiter (the
 * owner of its partition of the limits topic) applies its own declaration.
 *
 * <pre>{@code
 * // BAD: a limiter per instance, each with the whole budget: two instances make 1,000 requests per minute
 * if (isPrimary) builder.limiter(Limiter.named("openai").requestsPerMinute(500));
 * // GOOD: the same declaration everywhere; the engine shares the 500 per minute among all instances
 * builder.limiter(Limiter.named("openai").requestsPerMinute(500));
 * }</pre>
 *
 * <p>Immutable: every method returns a new limiter.
 */
public final class Limiter {
  private final String name;
  private final int maxConcurrent;
  private final double requestsPerMinute;
  private final long tokensPerMinute;
  private final Duration lease;

  private Limiter(String name, int maxConcurrent, double requestsPerMinute, long tokensPerMinute, Duration lease) {
    this.name = name;
    this.maxConcurrent = maxConcurrent;
    this.requestsPerMinute = requestsPerMinute;
    this.tokensPerMinute = tokensPerMinute;
    this.lease = lease;
  }

  /**
   * A limiter with no limits yet; add them with the other methods. Names must be non-blank, must not
   * start with {@code $} and must not contain {@code |}.
   */
  public static Limiter named(String name) {
    if (name == null || name.isBlank() || name.startsWith("$") || name.contains("|")) {
      throw new IllegalArgumentException("a limiter name must be non-blank and must not start with '$' or contain '|': '" + name + "'");
    }
    return new Limiter(name, 0, 0, 0, Duration.ofMinutes(10));
  }

  /** At most {@code n} steps hold a permit of this limiter at once, across all instances. */
  public Limiter maxConcurrent(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("limiter '" + name + "': maxConcurrent must be at least 1, not " + n);
    }
    return new Limiter(name, n, requestsPerMinute, tokensPerMinute, lease);
  }

  /** At most {@code n} permits granted per minute, spaced evenly ({@code 60 s / n} apart). */
  public Limiter requestsPerMinute(double n) {
    if (!(n > 0) || Double.isInfinite(n)) {
      throw new IllegalArgumentException("limiter '" + name + "': requestsPerMinute must be positive, not " + n);
    }
    return new Limiter(name, maxConcurrent, n, tokensPerMinute, lease);
  }

  /** The same as {@code requestsPerMinute(60 * n)}: {@code requestsPerSecond(50)} grants one permit every 20 ms. */
  public Limiter requestsPerSecond(double n) {
    return requestsPerMinute(n * 60);
  }

  /**
   * At most {@code n} tokens per minute, refilled continuously: a step reserves its {@link
   * io.stepstream.StepOptions#withEstimatedTokens estimate} when granted; the usage it reports
   * ({@link io.stepstream.StepContext#reportUsage}) replaces the estimate when it ends.
   */
  public Limiter tokensPerMinute(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("limiter '" + name + "': tokensPerMinute must be at least 1, not " + n);
    }
    return new Limiter(name, maxConcurrent, requestsPerMinute, n, lease);
  }

  /**
   * How long a permit may be held before the limiter takes it back, presuming its holder gone (an
   * instance that crashed mid-step, a run terminated by hand). Default 10 minutes. Longer than your
   * slowest step: a step still running after its lease no longer counts against the limit.
   */
  public Limiter lease(Duration lease) {
    if (lease == null || lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("limiter '" + name + "': the lease must be positive, not " + lease);
    }
    return new Limiter(name, maxConcurrent, requestsPerMinute, tokensPerMinute, lease);
  }

  public String name() {
    return name;
  }

  /** 0: no concurrency limit. */
  public int maxConcurrent() {
    return maxConcurrent;
  }

  /** 0: no request rate limit. */
  public double requestsPerMinute() {
    return requestsPerMinute;
  }

  /** 0: no token rate limit. */
  public long tokensPerMinute() {
    return tokensPerMinute;
  }

  public Duration lease() {
    return lease;
  }

  @Override
  public String toString() {
    return "Limiter[" + name + ", maxConcurrent=" + maxConcurrent + ", requestsPerMinute=" + requestsPerMinute + ", tokensPerMinute="
        + tokensPerMinute + ", lease=" + lease + "]";
  }
}
