package io.stepstream.internal.connect;

/**
 * Retries of one webhook POST: {@code retries} more tries after the first, waiting {@code initialMs} before the
 * first retry and twice as long before each next one, never more than {@code maxMs}.
 */
public record Backoff(int retries, long initialMs, long maxMs) {
  /** The wait before try number {@code attempt + 1}, after {@code attempt} failed tries (1 = the first failed). */
  public long delayAfter(int attempt) {
    long delay = initialMs;
    for (int i = 1; i < attempt && delay < maxMs; i++) {
      delay *= 2;
    }
    return Math.min(delay, maxMs);
  }

  /** True when {@code attempts} failed tries leave no retry. */
  public boolean exhausted(int attempts) {
    return attempts > retries;
  }
}
