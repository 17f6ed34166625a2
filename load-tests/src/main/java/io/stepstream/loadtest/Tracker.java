package io.stepstream.loadtest;

import io.stepstream.RunResult;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * Per-run bookkeeping of one batch of runs: when each request was sent, when its result arrived and
 * how it ended. Results are recorded on the client's results thread (the handle's future callback),
 * so the end time is the moment the client saw the result, not when a waiting thread woke up.
 */
final class Tracker {
  static final int PENDING = 0;
  static final int COMPLETED = 1;
  static final int FAILED = 2;
  static final int SEND_ERROR = 3;
  static final int TIMEOUT = 4;

  /** Up to an hour, microsecond resolution, 3 significant digits. */
  private static final long HIGHEST_TRACKABLE_MICROS = TimeUnit.HOURS.toMicros(1);

  final int size;
  final AtomicLongArray sentAt;
  final AtomicLongArray doneAt;
  /** Wall clock (ms) of the result, to line up with the engine's own timestamps. */
  final AtomicLongArray doneAtWallMs;
  final AtomicIntegerArray state;
  final Histogram latencyMicros = new SynchronizedHistogram(HIGHEST_TRACKABLE_MICROS, 3);
  final AtomicInteger sent = new AtomicInteger();
  final AtomicInteger completed = new AtomicInteger();
  final AtomicInteger finished = new AtomicInteger();
  private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
  private final CountDownLatch remaining;
  /** If set, a COMPLETED result with another output counts as FAILED ("COMPLETED with output ..."). */
  private final String expectedOutput;

  Tracker(int size) {
    this(size, null);
  }

  Tracker(int size, String expectedOutput) {
    this.size = size;
    this.expectedOutput = expectedOutput;
    this.sentAt = new AtomicLongArray(size);
    this.doneAt = new AtomicLongArray(size);
    this.doneAtWallMs = new AtomicLongArray(size);
    this.state = new AtomicIntegerArray(size);
    this.remaining = new CountDownLatch(size);
  }

  /** Call just before the start call of run {@code i}. */
  void sending(int i) {
    sentAt.set(i, System.nanoTime());
  }

  /** Call right after the start call returned its future. */
  void sent(int i, CompletableFuture<RunResult> result) {
    sent.incrementAndGet();
    result.whenComplete((r, error) -> finish(i, r, error, System.nanoTime()));
  }

  /** The start call itself threw. */
  void sendFailed(int i, Throwable error) {
    sent.incrementAndGet();
    finish(i, null, error, System.nanoTime());
  }

  private void finish(int i, RunResult result, Throwable error, long now) {
    int code = error != null ? SEND_ERROR : result.isCompleted() && hasExpectedOutput(result) ? COMPLETED : FAILED;
    if (!state.compareAndSet(i, PENDING, code)) {
      return; // already timed out
    }
    doneAt.set(i, now);
    doneAtWallMs.set(i, System.currentTimeMillis());
    if (code == COMPLETED) {
      latencyMicros.recordValue(Math.min(HIGHEST_TRACKABLE_MICROS, Math.max(1, (now - sentAt.get(i)) / 1_000)));
      completed.incrementAndGet();
    } else if (code == FAILED && result.isCompleted()) {
      countError("COMPLETED with output " + result.outputText() + " instead of " + expectedOutput);
    } else if (code == FAILED) {
      countError(result.status() + (result.errorType() == null ? "" : " " + result.errorType()));
    } else {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      countError("send error " + cause.getClass().getSimpleName());
    }
    finished.incrementAndGet();
    remaining.countDown();
  }

  private boolean hasExpectedOutput(RunResult result) {
    if (expectedOutput == null) {
      return true;
    }
    try {
      return expectedOutput.equals(result.output(String.class));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Waits until every run has ended or the deadline ({@link System#nanoTime()}) passes. */
  boolean awaitAll(long deadlineNanos) throws InterruptedException {
    return remaining.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Marks run {@code i} timed out unless it has ended. */
  void timeOut(int i) {
    if (state.compareAndSet(i, PENDING, TIMEOUT)) {
      countError("timeout");
      finished.incrementAndGet();
      remaining.countDown();
    }
  }

  void timeOutAllPending() {
    for (int i = 0; i < size; i++) {
      timeOut(i);
    }
  }

  long count(int code) {
    long n = 0;
    for (int i = 0; i < size; i++) {
      if (state.get(i) == code) {
        n++;
      }
    }
    return n;
  }

  Map<String, Long> errorKinds() {
    Map<String, Long> m = new TreeMap<>();
    errorKinds.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  private void countError(String kind) {
    errorKinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }
}
