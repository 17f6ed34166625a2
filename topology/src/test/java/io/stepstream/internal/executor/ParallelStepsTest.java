package io.stepstream.internal.executor;

import static io.stepstream.internal.executor.ExecutionFixture.journalOf;
import static io.stepstream.internal.executor.ExecutionFixture.last;
import static io.stepstream.internal.executor.ExecutionFixture.plus;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.DurableFuture;
import io.stepstream.RetryPolicy;
import io.stepstream.StepFailedException;
import io.stepstream.Workflow;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Parallel steps (ctx.stepAsync, all, any): each branch journaled and retried on its own, replayed deterministically. */
@Timeout(20)
class ParallelStepsTest {
  private final ExecutionFixture fixture = new ExecutionFixture();
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

  record Finding(String query, int score) {}

  record Report(List<Finding> findings) {}

  private int ran(String step) {
    return runs.computeIfAbsent(step, k -> new AtomicInteger()).get();
  }

  private void count(String step) {
    runs.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
  }

  /** Three searches that can only finish if all three run at the same time (a barrier of three). */
  private Workflow<String, Report> fanOutFanIn(CyclicBarrier together) {
    return (ctx, topic) -> {
      List<DurableFuture<Finding>> searches = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String query = topic + "-" + i;
        int n = i;
        searches.add(ctx.stepAsync("search-" + i, Finding.class, s -> {
          count(s.stepName());
          together.await(5, TimeUnit.SECONDS); // times out (fails the branch) unless the three overlap
          return new Finding(query, n * 10);
        }));
      }
      return new Report(ctx.all(searches));
    };
  }

  @Test
  void branchesRunAtTheSameTimeAndAllReturnsTheirResultsInOrder() {
    List<StepOutcome> outcomes = fixture.run(fanOutFanIn(new CyclicBarrier(3)), Map.of());

    StepOutcome end = last(outcomes);
    assertThat(end.getCompletion().getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(end.getCompletion().getOutput(), Report.class).findings())
        .containsExactly(new Finding("ada-0", 0), new Finding("ada-1", 10), new Finding("ada-2", 20));
    assertThat(journalOf(outcomes).values()).filteredOn(e -> e.getKind() == EntryKind.STEP)
        .extracting(JournalEntry::getName).containsExactlyInAnyOrder("search-0", "search-1", "search-2");
  }

  @Test
  void aReplayReturnsTheRecordedBranchesWithoutRunningThem() {
    Map<String, JournalEntry> journal = journalOf(fixture.run(fanOutFanIn(new CyclicBarrier(3)), Map.of()));
    runs.clear();

    List<StepOutcome> replayed = fixture.run(fanOutFanIn(new CyclicBarrier(3)), journal);

    assertThat(runs).isEmpty();
    assertThat(PayloadCodec.decode(last(replayed).getCompletion().getOutput(), Report.class).findings()).hasSize(3);
  }

  @Test
  void onlyTheBranchesMissingFromTheJournalRunAgain() {
    Map<String, JournalEntry> journal = journalOf(fixture.run(fanOutFanIn(new CyclicBarrier(3)), Map.of()));
    journal.remove("search-1"); // as if the crash came before its outcome was committed
    runs.clear();
    Workflow<String, Report> alone =
        (ctx, topic) -> new Report(ctx.all(List.of(
            ctx.stepAsync("search-0", Finding.class, s -> { count("search-0"); return new Finding("x", 0); }),
            ctx.stepAsync("search-1", Finding.class, s -> { count("search-1"); return new Finding("again", 1); }),
            ctx.stepAsync("search-2", Finding.class, s -> { count("search-2"); return new Finding("x", 2); }))));

    List<StepOutcome> outcomes = fixture.run(alone, journal);

    assertThat(ran("search-0")).isZero();
    assertThat(ran("search-1")).isEqualTo(1);
    assertThat(ran("search-2")).isZero();
    assertThat(PayloadCodec.decode(last(outcomes).getCompletion().getOutput(), Report.class).findings())
        .containsExactly(new Finding("ada-0", 0), new Finding("again", 1), new Finding("ada-2", 20));
  }

  @Test
  void noMoreThanTheRunsLimitOfBranchesRunAtOnceAndTheRestStartInOrder() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());
    Workflow<String, List<Integer>> eight =
        (ctx, in) -> {
          List<DurableFuture<Integer>> all = new ArrayList<>();
          for (int i = 0; i < 8; i++) {
            int n = i;
            all.add(ctx.stepAsync("b-" + i, Integer.class, s -> {
              started.add(s.stepName());
              most.accumulateAndGet(running.incrementAndGet(), Math::max);
              Thread.sleep(30);
              running.decrementAndGet();
              return n * n;
            }));
          }
          return ctx.all(all);
        };

    List<StepOutcome> outcomes = fixture.maxParallelSteps(3).run(eight, Map.of());

    assertThat(PayloadCodec.decode(last(outcomes).getCompletion().getOutput(), List.class)).containsExactly(0, 1, 4, 9, 16, 25, 36, 49);
    assertThat(most.get()).isBetween(1, 3);
    assertThat(started.subList(0, 3)).containsExactlyInAnyOrder("b-0", "b-1", "b-2"); // the rest waited for room

    // one at a time, queued branches start in the order the code created them
    started.clear();
    fixture.maxParallelSteps(1).run(eight, Map.of());
    assertThat(started).containsExactly("b-0", "b-1", "b-2", "b-3", "b-4", "b-5", "b-6", "b-7");
  }

  @Test
  void aFailedBranchWaitsForItsOwnRetryWhileTheOthersResultsAreKept() {
    Clock start = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    AtomicInteger flakyCalls = new AtomicInteger();
    Workflow<String, String> flaky =
        (ctx, in) -> {
          DurableFuture<String> steady = ctx.stepAsync("steady", String.class, s -> { count("steady"); return "s"; });
          DurableFuture<String> shaky = ctx.stepAsync("shaky", String.class, s -> {
            if (flakyCalls.incrementAndGet() == 1) {
              throw new java.io.IOException("connection reset");
            }
            return "k";
          });
          return steady.get() + shaky.get();
        };
    fixture.retry(RetryPolicy.builder().maximumAttempts(3).initialInterval(Duration.ofSeconds(10)).jitter(0).build()).clock(start);

    List<StepOutcome> first = fixture.run(flaky, Map.of());

    assertThat(last(first).getCompletion().getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(last(first).getCompletion().getWaitKind()).isEqualTo("RETRY");
    assertThat(last(first).getCompletion().getWakeAt()).isEqualTo(start.millis() + 10_000);
    Map<String, JournalEntry> journal = journalOf(first);
    assertThat(journal).containsKeys("steady", "shaky@1");

    fixture.clock(Clock.offset(start, Duration.ofSeconds(11)));
    List<StepOutcome> second = fixture.run(flaky, journal);

    assertThat(ran("steady")).isEqualTo(1);
    assertThat(flakyCalls).hasValue(2);
    assertThat(PayloadCodec.decode(last(second).getCompletion().getOutput(), String.class)).isEqualTo("sk");
  }

  @Test
  void allThrowsTheFirstFailureInListOrderAndTheOtherBranchesAreStillJournaled() {
    Workflow<String, String> oneFails =
        (ctx, in) -> {
          DurableFuture<String> broken = ctx.stepAsync("broken", String.class, s -> { throw new IllegalStateException("no index"); });
          DurableFuture<String> fine = ctx.stepAsync("fine", String.class, s -> { Thread.sleep(50); return "ok"; });
          try {
            ctx.all(List.of(broken, fine));
            return "unexpected";
          } catch (StepFailedException e) {
            return "fell back after " + e.stepName() + ": " + e.errorMessage();
          }
        };

    List<StepOutcome> outcomes = fixture.run(oneFails, Map.of());

    assertThat(PayloadCodec.decode(last(outcomes).getCompletion().getOutput(), String.class)).isEqualTo("fell back after broken: no index");
    Map<String, JournalEntry> journal = journalOf(outcomes);
    assertThat(journal.get("fine").getSucceeded()).isTrue();
    assertThat(journal.get("broken").getSucceeded()).isFalse();
  }

  @Test
  void anyReturnsTheBranchThatFinishedFirstAndItsReplayMakesTheSameChoice() {
    CountDownLatch release = new CountDownLatch(1);
    Workflow<String, String> race =
        (ctx, in) -> {
          DurableFuture<String> slow = ctx.stepAsync("slow", String.class, s -> { release.await(5, TimeUnit.SECONDS); return "slow"; });
          DurableFuture<String> quick = ctx.stepAsync("quick", String.class, s -> "quick");
          DurableFuture<String> winner = ctx.any(List.of(slow, quick));
          release.countDown();
          return winner.name() + ":" + winner.get();
        };

    List<StepOutcome> first = fixture.run(race, Map.of());
    assertThat(PayloadCodec.decode(last(first).getCompletion().getOutput(), String.class)).isEqualTo("quick:quick");
    Map<String, JournalEntry> journal = journalOf(first);
    assertThat(journal).containsKeys("slow", "quick", "$any:slow,quick"); // the slow one finished before the run ended

    // replayed, both are journaled: list order would pick "slow", the recorded choice says "quick"
    List<StepOutcome> replay = fixture.run(race, journal);
    assertThat(PayloadCodec.decode(last(replay).getCompletion().getOutput(), String.class)).isEqualTo("quick:quick");
  }

  @Test
  void aDurableWaitLetsRunningBranchesFinishAndJournalsThemFirst() {
    Workflow<String, String> napping =
        (ctx, in) -> {
          ctx.stepAsync("background", String.class, s -> { Thread.sleep(100); return "done"; });
          ctx.sleep("nap", Duration.ofHours(1));
          return "woke";
        };

    List<StepOutcome> outcomes = fixture.run(napping, Map.of());

    assertThat(last(outcomes).getCompletion().getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(journalOf(outcomes)).containsKeys("background", "nap");
  }

  @Test
  void aBranchRetryDueBeforeALongerWaitWakesTheRunForTheRetryFirst() {
    Clock start = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    Workflow<String, String> napping =
        (ctx, in) -> {
          ctx.stepAsync("flaky", String.class, s -> { throw new java.io.IOException("503"); });
          ctx.sleep("nap", Duration.ofHours(1));
          return "woke";
        };
    fixture.retry(RetryPolicy.builder().maximumAttempts(3).initialInterval(Duration.ofSeconds(10)).jitter(0).build()).clock(start);

    List<StepOutcome> outcomes = fixture.run(napping, Map.of());

    var waiting = last(outcomes).getCompletion();
    assertThat(waiting.getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(waiting.getWaitKind()).isEqualTo("RETRY");
    assertThat(waiting.getWakeAt()).isEqualTo(start.millis() + 10_000); // not the nap's end, an hour later
    assertThat(journalOf(outcomes)).containsKeys("flaky@1", "nap");
  }

  @Test
  void aGenericResultDecodesThroughItsTypeTokenTheFirstTimeAndOnReplay() {
    Workflow<String, String> typed =
        (ctx, in) -> {
          List<Finding> found = ctx.step("search", new io.stepstream.TypeRef<List<Finding>>() {}, s -> List.of(new Finding("a", 1), new Finding("b", 2)));
          DurableFuture<Map<String, Finding>> byName =
              ctx.stepAsync("index", new io.stepstream.TypeRef<Map<String, Finding>>() {}, s -> Map.of("a", new Finding("a", 1)));
          return found.get(1).query() + found.get(0).score() + byName.get().get("a").query();
        };

    List<StepOutcome> first = fixture.run(typed, Map.of());
    List<StepOutcome> replay = fixture.run(typed, journalOf(first));

    assertThat(PayloadCodec.decode(last(first).getCompletion().getOutput(), String.class)).isEqualTo("b1a");
    assertThat(PayloadCodec.decode(last(replay).getCompletion().getOutput(), String.class)).isEqualTo("b1a");
  }

  @Test
  void aBranchsEmitsTravelInTheSameOutcomeAsItsResultAndAFailedAttemptsAreDropped() {
    AtomicInteger calls = new AtomicInteger();
    Workflow<String, String> emitting =
        (ctx, in) -> {
          DurableFuture<String> quote = ctx.stepAsync("quote", String.class, s -> {
            s.emit("quotes", "k", "attempt " + s.attempt());
            if (calls.incrementAndGet() == 1) {
              throw new java.io.IOException("timeout");
            }
            return "q";
          });
          return quote.get();
        };
    Clock start = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    fixture.emitTopics("quotes").retry(RetryPolicy.builder().maximumAttempts(2).initialInterval(Duration.ofSeconds(1)).jitter(0).build()).clock(start);

    Map<String, JournalEntry> journal = journalOf(fixture.run(emitting, Map.of()));
    assertThat(journal.keySet()).noneMatch(n -> n.startsWith("$emit:")); // the failed attempt's record is dropped
    fixture.clock(Clock.offset(start, Duration.ofSeconds(2)));
    List<StepOutcome> second = fixture.run(emitting, journal);

    StepOutcome withResult = second.stream().filter(o -> o.getEntries().stream().anyMatch(e -> e.getName().equals("quote"))).findFirst().orElseThrow();
    assertThat(withResult.getEntries()).extracting(JournalEntry::getName).containsExactly("quote", "$emit:quote:0");
    assertThat(Emits.recorded(withResult.getEntries().get(1)).getValue().array()).asString().contains("attempt 2");
  }

  @Test
  void aStepWithoutAResultRunsOnceAndIsJournaled() {
    Workflow<String, String> notify =
        (ctx, in) -> {
          ctx.run("notify", s -> count("notify"));
          return "sent";
        };

    Map<String, JournalEntry> journal = journalOf(fixture.run(notify, Map.of()));
    fixture.run(notify, journal);

    assertThat(ran("notify")).isEqualTo(1);
    assertThat(journal.get("notify").getKind()).isEqualTo(EntryKind.STEP);
  }

  @Test
  void theReplayFlagIsTrueUntilTheCodeReachesWhatTheJournalDoesNotHold() {
    List<Boolean> flags = new ArrayList<>();
    Workflow<String, String> twoSteps =
        (ctx, in) -> {
          flags.add(ctx.isReplaying());
          ctx.step("one", String.class, s -> "1");
          flags.add(ctx.isReplaying());
          ctx.step("two", String.class, s -> "2");
          flags.add(ctx.isReplaying());
          return "done";
        };
    Map<String, JournalEntry> journal = journalOf(fixture.run(twoSteps, Map.of()));
    journal.remove("two");
    flags.clear();

    fixture.run(twoSteps, journal);

    assertThat(flags).containsExactly(true, false, false);
  }

  @Test
  void branchesCreatedBeyondTheLimitAreNotLostWhenTheWorkflowNeverAwaitsThem() {
    Set<String> done = ConcurrentHashMap.newKeySet();
    Workflow<String, String> fireAndForget =
        (ctx, in) -> {
          for (int i = 0; i < 4; i++) {
            ctx.stepAsync("audit-" + i, String.class, s -> { done.add(s.stepName()); return "x"; });
          }
          return "returned at once";
        };

    List<StepOutcome> outcomes = fixture.maxParallelSteps(2).run(fireAndForget, Map.of());

    assertThat(done).hasSize(4);
    assertThat(journalOf(outcomes).keySet().stream().filter(n -> n.startsWith("audit-")).collect(Collectors.toSet())).hasSize(4);
  }
}
