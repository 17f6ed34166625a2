package io.stepstream.internal.query;

/**
 * A query that cannot be answered right now, only later: the owner of a run is not known (a
 * rebalance, a restore) or another instance did not answer. Answered 503 with {@code Retry-After}.
 */
public final class Unavailable extends RuntimeException {
  /** Seconds a caller should wait before asking again. */
  public static final int RETRY_AFTER_SECONDS = 1;

  public Unavailable(String message) {
    super(message);
  }
}
