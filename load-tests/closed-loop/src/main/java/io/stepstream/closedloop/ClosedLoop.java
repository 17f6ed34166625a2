package io.stepstream.closedloop;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * A closed-loop load driver: {@code concurrency} clients, each starting its next run as soon as its
 * previous one finished, until {@code runs} runs have been started. This is how users meet a workflow
 * engine (a request, then the next one), and unlike an open-loop burst it cannot queue more work than
 * the system takes: at C=1 it measures idle latency, at C=256 throughput at a bounded queue.
 *
 * <p>The same driver measures Stepstream and its peers (load-tests/peers/), so the numbers compare.
 * Latency is from just before {@link RunStarter#start} to the completion of its stage, in the client.
 *
 * <pre>{@code
 * ClosedLoopResult r = ClosedLoop.run(i -> client.startAsync("bench-noop-3", "run-" + i, "x").result(),
 *     64, 20_000, Duration.ofSeconds(60));
 * System.out.println(r.summaryLine("noop-3 C=64"));
 * }</pre>
 */
public final class ClosedLoop {
  private static final long HIGHEST_TRACKABLE_MICROS = TimeUnit.HOURS.toMicros(1);

  private ClosedLoop() {}

  /**
   * Runs {@code runs} runs with {@code concurrency} clients; a run not finished within
   * {@code perRunTimeout} counts as an error ("timeout") and its client moves on.
   */
  public static ClosedLoopResult run(RunStarter starter, int concurrency, long runs, Duration perRunTimeout)
      throws InterruptedException {
    Objects.requireNonNull(starter, "starter");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
    }
    if (runs < 1) {
      throw new IllegalArgumentException("runs must be >= 1, was " + runs);
    }
    Driver d = new Driver(starter, runs, perRunTimeout);
    int clients = (int) Math.min(concurrency, runs);
    return d.drive(concurrency, clients);
  }

  /** The state of one benchmark: which run is next, what came back. */
  private static final class Driver {
    private final RunStarter starter;
    private final long runs;
    private final Duration timeout;
    private final AtomicLong next = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Histogram latencyMicros = new SynchronizedHistogram(HIGHEST_TRACKABLE_MICROS, 3);
    private final AtomicLong lastDoneNanos = new AtomicLong();
    // starts run from here, not from the thread that completed the previous run (often a client's I/O thread)
    private final ExecutorService starts = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "closed-loop-start");
      t.setDaemon(true);
      return t;
    });
    private CountDownLatch clientsDone;

    Driver(RunStarter starter, long runs, Duration timeout) {
      this.starter = starter;
      this.runs = runs;
      this.timeout = Objects.requireNonNull(timeout, "perRunTimeout");
    }

    ClosedLoopResult drive(int concurrency, int clients) throws InterruptedException {
      clientsDone = new CountDownLatch(clients);
      long t0 = System.nanoTime();
      lastDoneNanos.set(t0);
      try {
        for (int c = 0; c < clients; c++) {
          starts.execute(this::startNext);
        }
        clientsDone.await();
      } finally {
        starts.shutdownNow();
      }
      double elapsedS = (lastDoneNanos.get() - t0) / 1e9;
      Map<String, Long> errorKinds = new java.util.TreeMap<>();
      errors.forEach((k, v) -> errorKinds.put(k, v.sum()));
      return new ClosedLoopResult(concurrency, runs, completed.sum(), errorKinds, elapsedS, latencyMicros.copy());
    }

    /** One client's step: start the next run, or finish when all are started. */
    private void startNext() {
      long i = next.getAndIncrement();
      if (i >= runs) {
        clientsDone.countDown();
        return;
      }
      long begin = System.nanoTime();
      CompletableFuture<?> result;
      try {
        result = starter.start(i).toCompletableFuture();
      } catch (Exception e) {
        result = CompletableFuture.failedFuture(e);
      }
      result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((r, e) -> {
        long end = System.nanoTime();
        lastDoneNanos.accumulateAndGet(end, Math::max);
        if (e == null) {
          latencyMicros.recordValue(Math.min(HIGHEST_TRACKABLE_MICROS, Math.max(0, (end - begin) / 1_000)));
          completed.increment();
        } else {
          errors.computeIfAbsent(kind(e), k -> new LongAdder()).increment();
        }
        starts.execute(this::startNext);
      });
    }

    private static String kind(Throwable e) {
      Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
      return cause instanceof TimeoutException ? "timeout" : cause.getClass().getSimpleName();
    }
  }
}
