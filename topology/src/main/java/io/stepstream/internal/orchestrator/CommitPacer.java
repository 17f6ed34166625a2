package io.stepstream.internal.orchestrator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides when a result is worth an immediate commit: only while this instance is lightly loaded.
 *
 * <p><b>Why.</b> A result becomes visible only when the orchestrator's transaction commits. Waiting
 * for the regular {@code commit.interval.ms} adds up to that interval to every run's latency, but each
 * commit costs the stream thread a few milliseconds of blocking (flush, offsets, markers). At low load
 * the thread is idle anyway, so a result asks for a commit right away ({@code context.commit()}). Under
 * load, one commit per result would leave the thread committing after every few records (that was
 * measured: burst throughput fell 6-12x), so above {@code maxRecordsPerSecond} input records per second
 * the regular interval groups many results into one transaction. The rate is measured over the last
 * {@link #WINDOW_MS} ms, across all tasks of the instance (one pacer per topology).
 *
 * <p>Thread-safe: tasks on different stream threads share one pacer.
 */
public final class CommitPacer {
  static final long WINDOW_MS = 100;

  private final long maxRecordsPerWindow;
  private final AtomicLong windowStart = new AtomicLong();
  private final AtomicLong inCurrentWindow = new AtomicLong();
  private volatile long inPreviousWindow;

  /** {@code maxRecordsPerSecond <= 0}: never commit early, always wait for the interval. */
  public CommitPacer(int maxRecordsPerSecond) {
    this.maxRecordsPerWindow = maxRecordsPerSecond <= 0 ? -1 : Math.max(1, maxRecordsPerSecond * WINDOW_MS / 1000);
  }

  /** Counts one input record processed at {@code nowMs}. */
  void onInput(long nowMs) {
    roll(nowMs);
    inCurrentWindow.incrementAndGet();
  }

  /** True if a result produced at {@code nowMs} should be committed now rather than at the next interval. */
  boolean commitEarly(long nowMs) {
    if (maxRecordsPerWindow < 0) {
      return false;
    }
    roll(nowMs);
    // the busier of the last full window and the current one, so a burst is noticed within a window
    return Math.max(inPreviousWindow, inCurrentWindow.get()) < maxRecordsPerWindow;
  }

  private void roll(long nowMs) {
    long start = windowStart.get();
    if (nowMs - start < WINDOW_MS) {
      return;
    }
    if (windowStart.compareAndSet(start, nowMs)) {
      long finished = inCurrentWindow.getAndSet(0);
      // a gap of more than one window means the window before this one was empty
      inPreviousWindow = nowMs - start < 2 * WINDOW_MS ? finished : 0;
    }
  }
}
