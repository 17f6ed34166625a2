package io.stepstream.closedloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClosedLoopTest {
  private final ScheduledExecutorService system = Executors.newScheduledThreadPool(4);

  @AfterEach
  void stop() {
    system.shutdownNow();
  }

  /** A stand-in system: every run takes {@code ms} and the number in flight is tracked. */
  private RunStarter delayed(long ms, AtomicInteger inFlight, AtomicInteger maxInFlight, Set<Long> started) {
    return i -> {
      assertThat(started.add(i)).as("run %d started twice", i).isTrue();
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      CompletableFuture<String> f = new CompletableFuture<>();
      system.schedule(() -> {
        inFlight.decrementAndGet();
        f.complete("done " + i);
      }, ms, TimeUnit.MILLISECONDS);
      return f;
    };
  }

  @Test
  void keepsExactlyConcurrencyRunsInFlightAndStartsEachRunOnce() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    Set<Long> started = ConcurrentHashMap.newKeySet();
    ClosedLoopResult r = ClosedLoop.run(delayed(2, inFlight, max, started), 8, 400, Duration.ofSeconds(5));

    assertThat(started).hasSize(400);
    assertThat(max.get()).isEqualTo(8);
    assertThat(r.completed()).isEqualTo(400);
    assertThat(r.errors()).isZero();
    assertThat(r.latencyMicros().getTotalCount()).isEqualTo(400);
    assertThat(r.percentileMs(50)).isGreaterThanOrEqualTo(1.9);
    // 400 runs of >= 2 ms, 8 at a time: at least 100 ms; far from 400 x 2 ms one at a time
    assertThat(r.elapsedS()).isBetween(0.1, 0.8 - 1e-9);
    assertThat(r.runsPerS()).isCloseTo(400 / r.elapsedS(), org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void oneClientRunsOneAtATime() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    ClosedLoopResult r = ClosedLoop.run(delayed(1, inFlight, max, ConcurrentHashMap.newKeySet()), 1, 50, Duration.ofSeconds(5));
    assertThat(max.get()).isEqualTo(1);
    assertThat(r.completed()).isEqualTo(50);
  }

  @Test
  void failedSendsFailedRunsAndTimeoutsAreCountedByKindAndTheClientsGoOn() throws Exception {
    RunStarter flaky = i -> {
      if (i % 10 == 1) {
        throw new IllegalStateException("broker down");
      }
      if (i % 10 == 2) {
        return CompletableFuture.failedFuture(new ArithmeticException("run failed"));
      }
      if (i % 10 == 3) {
        return new CompletableFuture<>(); // never answered
      }
      return CompletableFuture.completedFuture("ok");
    };
    ClosedLoopResult r = ClosedLoop.run(flaky, 4, 100, Duration.ofMillis(50));
    assertThat(r.completed()).isEqualTo(70);
    assertThat(r.errorKinds()).containsEntry("IllegalStateException", 10L).containsEntry("ArithmeticException", 10L)
        .containsEntry("timeout", 10L);
    assertThat(r.summaryLine("flaky")).contains("C=4: 100 runs, 70 completed, 30 errors");
    assertThat(r.toJson("x", "noop-3")).contains("\"completed\":70").contains("\"errors\":30");
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> ClosedLoop.run(i -> CompletableFuture.completedFuture(1), 0, 10, Duration.ofSeconds(1)))
        .hasMessageContaining("concurrency");
    assertThatThrownBy(() -> ClosedLoop.run(i -> CompletableFuture.completedFuture(1), 1, 0, Duration.ofSeconds(1)))
        .hasMessageContaining("runs");
  }
}
