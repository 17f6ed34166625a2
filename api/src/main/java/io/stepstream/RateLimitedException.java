package io.stepstream;

import java.time.Duration;

/**
 * Thrown by a step body when the provider refused the call for now (HTTP 429 with {@code
 * Retry-After}). The attempt is not counted as a failure: the step runs again after {@code
 * retryAfter}, and every step using the same limiters ({@link StepOptions#withLimiter}) waits too,
 * so the whole engine backs off from that provider, not just this run.
 *
 * <pre>{@code
 * ctx.step("answer", String.class, StepOptions.defaults().withLimiter("openai-gpt-4o"), s -> {
 *   HttpResponse<String> r = http.send(request, ofString());
 *   if (r.statusCode() == 429) {
 *     throw new RateLimitedException(Duration.ofSeconds(Long.parseLong(r.headers().firstValue("retry-after").orElse("1"))), "openai said 429");
 *   }
 *   return r.body();
 * });
 * }</pre>
 */
public class RateLimitedException extends RuntimeException {
  private final Duration retryAfter;

  public RateLimitedException(Duration retryAfter, String message) {
    super(message);
    if (retryAfter == null || retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must be zero or positive: " + retryAfter);
    }
    this.retryAfter = retryAfter;
  }

  /** How long the provider asked to wait. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
