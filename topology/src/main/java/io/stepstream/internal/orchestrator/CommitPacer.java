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
 * <p><b>Spacing.</b> Between the idle and the backlogged regime lies steady load: fresh input at
 * hundreds of runs a second. Committing per result there made the thread spend its time committing
 * (each commit blocks it for flush, offsets and the end of the transaction), input queued behind the
 * commits, the lag rule switched early commits off, and results waited for the interval: p50 of
 * 90-160 ms at 300-1,200 runs/s. So early commits are spaced at least {@link #GAP_FACTOR} times the
 * measured commit latency apart (Kafka Streams' {@code commit-latency-avg}), which keeps commits to
 * at most a third of the thread's time while a result waits about one gap (or until the next
 * input or timer tick, if none comes sooner). A result that arrives inside the gap is held, and
 * {@link #heldCommitDue} (called on every input record and every tick) commits it when the gap has
 * passed. A single run, whose results are
 * further apart than the gap, never waits.
 *
 * <p>Thread-safe: tasks on different stream threads share one pacer (uncontended with one thread).
 */
public final class CommitPacer {
  static final long WINDOW_MS = 100;
  /** Input produced longer ago than this when it was polled means the instance is behind. */
  public static final long DEFAULT_MAX_INPUT_LAG_MS = 100;
  /** Early commits are at least this many commit latencies apart: at most 1/GAP_FACTOR of the thread's time commits. */
  static final double GAP_FACTOR = 3.0;
  /** The smallest gap, also used before any commit latency is known (tests, a fresh instance). */
  static final long MIN_GAP_MS = 1;

  private final long maxRecordsPerWindow;
  private final long maxInputLagMs;
  private long windowStart;
  private long records;
  private long previousRecords;
  private long maxLag;
  private long previousMaxLag;
  /** The average commit latency in ms (Kafka Streams' metric), or NaN while unknown. */
  private volatile java.util.function.DoubleSupplier commitLatencyMs = () -> Double.NaN;
  private long gapMs = MIN_GAP_MS;
  private long lastEarlyCommitAt = Long.MIN_VALUE / 2;
  /** A result was produced inside the gap and waits for {@link #heldCommitDue}. */
  private boolean held;

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

  /** Where the commit latency is read from (the engine passes Kafka Streams' {@code commit-latency-avg}). */
  public void commitLatency(java.util.function.DoubleSupplier averageMs) {
    this.commitLatencyMs = averageMs;
  }

  /**
   * True if a result produced at {@code nowMs} should be committed now rather than at the next
   * interval. False inside the gap after the previous early commit too: then the result is held for
   * {@link #heldCommitDue}.
   */
  synchronized boolean commitEarly(long nowMs) {
    if (maxRecordsPerWindow < 0) {
      return false;
    }
    roll(nowMs);
    // the busier of the last full window and the current one, so a burst is noticed within a window
    if (Math.max(previousRecords, records) >= maxRecordsPerWindow || Math.max(previousMaxLag, maxLag) > maxInputLagMs) {
      held = false; // the interval commit takes it
      return false;
    }
    if (nowMs - lastEarlyCommitAt < gapMs) {
      held = true;
      return false;
    }
    lastEarlyCommitAt = nowMs;
    held = false;
    return true;
  }

  /** True (once) when a held result's gap has passed: the caller commits now. */
  synchronized boolean heldCommitDue(long nowMs) {
    if (!held || nowMs - lastEarlyCommitAt < gapMs) {
      return false;
    }
    lastEarlyCommitAt = nowMs;
    held = false;
    return true;
  }

  /** The current spacing of early commits in ms (for tests and diagnostics). */
  synchronized long gapMs() {
    return gapMs;
  }

  private void roll(long nowMs) {
    if (nowMs - windowStart < WINDOW_MS) {
      return;
    }
    // a gap of more than one window means the window before this one was empty
    boolean adjacent = nowMs - windowStart < 2 * WINDOW_MS;
    double latency = commitLatencyMs.getAsDouble();
    gapMs = Double.isNaN(latency) || latency <= 0 ? MIN_GAP_MS : Math.max(MIN_GAP_MS, Math.round(GAP_FACTOR * latency));
    previousRecords = adjacent ? records : 0;
    previousMaxLag = adjacent ? maxLag : 0;
    records = 0;
    maxLag = 0;
    windowStart = nowMs;
  }
}
