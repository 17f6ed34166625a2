package io.stepstream.internal.limits;

import java.time.Duration;

/**
 * One named limiter as the engine declared it: at most {@code maxConcurrent} permits held at once,
 * {@code requestsPerMinute} grants per minute (spaced evenly), {@code tokensPerMinute} estimated
 * tokens per minute (reserved at the grant, corrected with the usage the step reported). 0 = no
 * limit of that kind. A permit not released within {@code lease} is taken back (its holder is
 * presumed gone).
 */
public record LimiterSpec(String name, int maxConcurrent, double requestsPerMinute, long tokensPerMinute, Duration lease) {
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(10);

  public LimiterSpec {
    if (name == null || name.isBlank() || name.startsWith("$") || name.contains("|")) {
      throw new IllegalArgumentException("a limiter name must be non-blank and must not start with '$' or contain '|': '" + name + "'");
    }
    if (maxConcurrent < 0 || requestsPerMinute < 0 || tokensPerMinute < 0 || Double.isNaN(requestsPerMinute)) {
      throw new IllegalArgumentException("limiter '" + name + "': limits must not be negative");
    }
    if (lease == null || lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("limiter '" + name + "': the lease must be positive, not " + lease);
    }
  }

  /** Milliseconds between two grants at the requests-per-minute rate; 0 without that limit. */
  double intervalMs() {
    return requestsPerMinute <= 0 ? 0 : 60_000.0 / requestsPerMinute;
  }

  String describe() {
    StringBuilder b = new StringBuilder(name).append(" (");
    if (maxConcurrent > 0) {
      b.append("max ").append(maxConcurrent).append(" concurrent, ");
    }
    if (requestsPerMinute > 0) {
      b.append(requestsPerMinute).append(" requests/min, ");
    }
    if (tokensPerMinute > 0) {
      b.append(tokensPerMinute).append(" tokens/min, ");
    }
    return b.append("lease ").append(lease).append(')').toString();
  }
}
