package io.stepstream.internal.orchestrator;

/**
 * Decides when a result is worth an immediate commit: only while this instance is idle enough.
 *
 * <p><b>Why.</b> A result becomes visible only when the orchestrator's transaction commits. Waiting
 * for the regular {@code commit.interval.ms} adds up to that interval to every run's latency, but each
 * commit costs the stream thread a few milliseconds of blocking (flush, offsets, markers). At low load
 * the thread is idle anyway, so a result asks for a commit right away ({@code context.commit()}). Under
 * load, one commit per result would leave the thread committing after every few records (measured:
 * burst throughput fell 6-12x), so the regular interval groups many results into one transaction.
 *
 * <p>"Idle enough" takes two signals, both over the last {@link #WINDOW_MS} ms across all tasks of the
 * instance (one pacer per topology):
 * <ul>
 *   <li>input records processed below {@code maxRecordsPerSecond} (the thread has time to spare), and
 *   <li>input arriving fresh: no record polled more than {@code maxInputLagMs} after it was produced.
 *       The rate alone is not enough: a thread slowed down by commits processes few records per
 *       window while a backlog waits in Kafka, and would keep committing early. A backlog shows up
 *       as lag, so it switches early commits off until it is drained.
 * </ul>
 *
 * <p>Thread-safe: tasks on different stream threads share one pacer (uncontended with one thread).
 */
public final class CommitPacer {
  static final long WINDOW_MS = 100;
  /** Input produced longer ago than this when it was polled means the instance is behind. */
  public static final long DEFAULT_MAX_INPUT_LAG_MS = 100;

  private final long maxRecordsPerWindow;
  private final long maxInputLagMs;
  private long windowStart;
  private long records;
  private long previousRecords;
  private long maxLag;
  private long previousMaxLag;

  /** {@code maxRecordsPerSecond <= 0}: never commit early, always wait for the interval. */
  public CommitPacer(int maxRecordsPerSecond) {
    this(maxRecordsPerSecond, DEFAULT_MAX_INPUT_LAG_MS);
  }

  CommitPacer(int maxRecordsPerSecond, long maxInputLagMs) {
    this.maxRecordsPerWindow = maxRecordsPerSecond <= 0 ? -1 : Math.max(1, maxRecordsPerSecond * WINDOW_MS / 1000);
    this.maxInputLagMs = maxInputLagMs;
  }

  /** An input record was polled at {@code nowMs}, {@code lagMs} after it was produced. */
  synchronized void onPolled(long lagMs, long nowMs) {
    roll(nowMs);
    maxLag = Math.max(maxLag, lagMs);
  }

  /** Counts one input record processed at {@code nowMs}. */
  synchronized void onInput(long nowMs) {
    roll(nowMs);
    records++;
  }

  /** True if a result produced at {@code nowMs} should be committed now rather than at the next interval. */
  synchronized boolean commitEarly(long nowMs) {
    if (maxRecordsPerWindow < 0) {
      return false;
    }
    roll(nowMs);
    // the busier of the last full window and the current one, so a burst is noticed within a window
    return Math.max(previousRecords, records) < maxRecordsPerWindow && Math.max(previousMaxLag, maxLag) <= maxInputLagMs;
  }

  private void roll(long nowMs) {
    if (nowMs - windowStart < WINDOW_MS) {
      return;
    }
    // a gap of more than one window means the window before this one was empty
    boolean adjacent = nowMs - windowStart < 2 * WINDOW_MS;
    previousRecords = adjacent ? records : 0;
    previousMaxLag = adjacent ? maxLag : 0;
    records = 0;
    maxLag = 0;
    windowStart = nowMs;
  }
}
