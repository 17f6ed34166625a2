package io.stepstream.internal.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.BudgetExceededException;
import io.stepstream.RateLimitedException;
import io.stepstream.RetryPolicy;
import io.stepstream.StepOptions;
import io.stepstream.Usage;
import io.stepstream.Workflow;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Flow control (ADR 0019) in a TopologyTestDriver with virtual wall-clock time shared by the
 * orchestrator, the limiter coordinator and the executions: permits, rates, priorities, token
 * reservations, Retry-After, leases and key budgets, with no real waiting.
 */
@Timeout(60)
class FlowControlTest {
  /** What a test run does: its step's priority, tokens it estimates and reports, Retry-After on its first try. */
  record Job(String id, int priority, long estimate, long reports, long retryAfterMsOnce) {
    static Job of(String id) {
      return new Job(id, 0, 0, 0, 0);
    }
  }

  private static final RetryPolicy ONE_ATTEMPT = RetryPolicy.builder().maximumAttempts(1).build();
  private final List<String> started = new CopyOnWriteArrayList<>();
  private final List<Long> startedAt = new CopyOnWriteArrayList<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger mostRunning = new AtomicInteger();
  private final Map<String, Integer> tries = new java.util.concurrent.ConcurrentHashMap<>();
  private OrchestratorHarness harness;

  @AfterEach
  void close() {
    if (harness != null) {
      harness.close();
    }
  }

  private void given(FlowControl flow, Workflow<Job, ?> workflow) {
    harness = new OrchestratorHarness(new WorkflowRegistry().register("job", Job.class, workflow, ONE_ATTEMPT), flow);
  }

  private static FlowControl limiter(LimiterSpec spec) {
    return new FlowControl(Map.of(spec.name(), spec), List.of());
  }

  private static LimiterSpec llm(int maxConcurrent, double rpm, long tpm) {
    return new LimiterSpec("llm", maxConcurrent, rpm, tpm, LimiterSpec.DEFAULT_LEASE);
  }

  /** One limited step that records when it started, how many ran at once, and reports usage. */
  private Workflow<Job, String> limitedStep() {
    return (ctx, job) -> ctx.step("call", String.class,
        StepOptions.defaults().withLimiter("llm").withPriority(job.priority()).withEstimatedTokens(job.estimate()), s -> {
          int now = running.incrementAndGet();
          mostRunning.accumulateAndGet(now, Math::max);
          try {
            int n = tries.merge(job.id(), 1, Integer::sum);
            started.add(job.id());
            startedAt.add(harness.clock.millis());
            if (job.retryAfterMsOnce() > 0 && n == 1) {
              throw new RateLimitedException(Duration.ofMillis(job.retryAfterMsOnce()), "429 from the provider");
            }
            s.reportUsage(Usage.tokens(job.reports(), 0));
            return job.id() + " attempt " + s.attempt();
          } finally {
            running.decrementAndGet();
          }
        });
  }

  private Map<String, WorkflowResult> results = new HashMap<>();

  private Map<String, WorkflowResult> collectResults() {
    harness.results().forEach(r -> results.put(r.getRunId(), r));
    return results;
  }

  private String output(String runId) {
    return PayloadCodec.decode(collectResults().get(runId).getOutput(), String.class);
  }

  private LimiterState state(String limiter) {
    KeyValueStore<String, String> store = harness.store(OrchestratorTopology.LIMITERS_STORE);
    return LimiterCoordinator.stateOf(store, limiter);
  }

  private RunState run(String runId) {
    KeyValueStore<String, RunState> runs = harness.store(OrchestratorTopology.RUNS_STORE);
    return runs.get(runId);
  }

  private List<JournalEntry> journal(String runId) {
    KeyValueStore<String, JournalEntry> entries = harness.store(OrchestratorTopology.JOURNAL_STORE);
    List<JournalEntry> found = new ArrayList<>();
    try (var all = entries.all()) {
      all.forEachRemaining(kv -> {
        if (kv.value.getRunId().equals(runId)) {
          found.add(kv.value);
        }
      });
    }
    return found;
  }

  /** A permit of "llm" held by a run that is gone, until its lease runs out. */
  private void holdTheOnlyPermitFor(Duration lease) {
    KeyValueStore<String, String> store = harness.store(OrchestratorTopology.LIMITERS_STORE);
    store.put("L|llm", LimitsJson.text(new LimiterState(1, 0, 0, harness.clock.millis(), 0, 0)));
    store.put(LimiterCoordinator.holderKey("llm", "gone/call@1:1"),
        LimitsJson.text(new LimiterCoordinator.Holder("gone", harness.clock.millis() + lease.toMillis(), 0)));
  }

  @Test
  void grantsOfARequestsPerMinuteLimiterAreSpacedEvenlyNotBurst() {
    given(limiter(llm(0, 600, 0)), limitedStep()); // 10 per second: one every 100 ms
    for (int i = 0; i < 6; i++) {
      harness.request("r" + i, "job", Job.of("r" + i));
    }
    harness.settle();
    harness.advanceAndSettle(Duration.ofMillis(1_000), Duration.ofMillis(5));

    assertThat(collectResults()).hasSize(6);
    assertThat(results.values()).allMatch(r -> r.getStatus() == RunStatus.COMPLETED);
    for (int i = 1; i < startedAt.size(); i++) {
      assertThat(startedAt.get(i) - startedAt.get(i - 1)).as("gap before start %d in %s", i, startedAt).isBetween(95L, 110L);
    }
  }

  @Test
  void aLimiterWhoseTicksComeLateCatchesUpSoTheRateHolds() {
    given(limiter(llm(0, 600, 0)), limitedStep()); // one every 100 ms
    for (int i = 0; i < 30; i++) {
      harness.request("r" + i, "job", Job.of("r" + i));
    }
    harness.settle();
    int first = started.size(); // the first grant: at once
    harness.advanceAndSettle(Duration.ofMillis(2_000), Duration.ofMillis(250)); // a busy thread: ticks 250 ms apart
    assertThat(started.size() - first).as("grants in 2 s at 10/s, ticks 250 ms apart").isBetween(19, 20);
  }

  @Test
  void stepsBeyondTheConcurrencyLimitWaitWithoutAThreadUntilAPermitIsReleased() {
    given(limiter(llm(2, 0, 0)), limitedStep());
    for (int i = 0; i < 5; i++) {
      harness.request("r" + i, "job", Job.of("r" + i));
    }
    assertThat(harness.runExecutions()).isEqualTo(5); // each asks for a permit and ends WAITING: no thread waits
    assertThat(started).isEmpty();
    harness.deliverOutcomes(); // permit requests reach the coordinator; two are granted, two runs dispatched
    assertThat(state("llm").inFlight()).isEqualTo(2);
    assertThat(harness.runExecutions()).isEqualTo(2);
    assertThat(started).hasSize(2);

    harness.deliverOutcomes(); // both released: two more granted
    assertThat(harness.runExecutions()).isEqualTo(2);
    assertThat(started).hasSize(4);
    harness.settle();
    assertThat(started).hasSize(5);
    assertThat(collectResults()).hasSize(5);
    assertThat(state("llm").inFlight()).isZero();
  }

  @Test
  void waitingStepsAreGrantedHigherPriorityFirstThenFirstCome() {
    given(limiter(llm(1, 0, 0)), limitedStep());
    holdTheOnlyPermitFor(Duration.ofSeconds(1)); // so the next four all wait
    harness.request("low-1", "job", new Job("low-1", 0, 0, 0, 0));
    harness.request("high", "job", new Job("high", 10, 0, 0, 0));
    harness.request("low-2", "job", new Job("low-2", 0, 0, 0, 0));
    harness.request("mid", "job", new Job("mid", 5, 0, 0, 0));
    harness.settle();
    assertThat(started).isEmpty();
    harness.advanceAndSettle(Duration.ofMillis(1_200), Duration.ofMillis(100));

    assertThat(started).containsExactly("high", "mid", "low-1", "low-2");
    assertThat(mostRunning.get()).isEqualTo(1);
  }

  @Test
  void aTokensPerMinuteReservationIsReplacedByTheUsageTheStepReported() {
    given(limiter(llm(0, 0, 6_000)), limitedStep()); // 100 tokens per second, at most one second's worth available
    harness.request("big", "job", new Job("big", 0, 100, 10, 0)); // reserves 100, uses 10
    harness.runExecutions();
    harness.deliverOutcomes();
    assertThat(state("llm").tokens()).isEqualTo(0.0); // reserved: nothing left
    harness.settle();
    assertThat(started).containsExactly("big");
    assertThat(state("llm").tokens()).isEqualTo(90.0); // 100 reserved, 10 used: 90 back, no time passed

    harness.request("next", "job", new Job("next", 0, 100, 100, 0)); // needs 100: 90 there, 10 more in 100 ms
    harness.settle();
    assertThat(started).containsExactly("big");
    harness.advanceAndSettle(Duration.ofMillis(120), Duration.ofMillis(5));
    assertThat(started).containsExactly("big", "next");
    assertThat(collectResults()).hasSize(2);
  }

  @Test
  void aStepThatDoesNotReportUsageKeepsItsReservation() {
    given(limiter(llm(0, 0, 6_000)), limitedStep());
    harness.request("silent", "job", new Job("silent", 0, 80, 0, 0));
    harness.settle();
    assertThat(state("llm").tokens()).isEqualTo(20.0);
  }

  @Test
  void aRetryAfterPausesTheLimiterForEveryRunAndDoesNotUseUpTheAttempt() {
    given(limiter(llm(5, 0, 0)), limitedStep());
    harness.request("limited", "job", new Job("limited", 0, 0, 0, 2_000));
    harness.settle();
    assertThat(started).containsExactly("limited");
    assertThat(run("limited").getStatus()).isEqualTo(RunStatus.WAITING);

    harness.request("other", "job", Job.of("other"));
    harness.advanceAndSettle(Duration.ofMillis(1_900), Duration.ofMillis(20));
    assertThat(started).containsExactly("limited"); // the limiter is paused: nobody is granted

    harness.advanceAndSettle(Duration.ofMillis(300), Duration.ofMillis(20));
    assertThat(started).containsExactlyInAnyOrder("limited", "limited", "other");
    // one attempt only was allowed (ONE_ATTEMPT): the rate-limited try did not count
    assertThat(output("limited")).isEqualTo("limited attempt 1");
    assertThat(output("other")).isEqualTo("other attempt 1");
  }

  @Test
  void aStepWithoutLimitersThatIsRateLimitedWaitsDurablyAndKeepsItsAttempt() {
    given(FlowControl.NONE, (ctx, job) -> ctx.step("call", String.class, s -> {
      int n = tries.merge(job.id(), 1, Integer::sum);
      started.add(job.id() + "@" + harness.clock.millis());
      if (n == 1) {
        throw new RateLimitedException(Duration.ofSeconds(3), "429");
      }
      return "attempt " + s.attempt();
    }));
    harness.request("r", "job", Job.of("r"));
    harness.settle();
    assertThat(run("r").getStatus()).isEqualTo(RunStatus.WAITING);
    harness.advanceAndSettle(Duration.ofMillis(2_900), Duration.ofMillis(50));
    assertThat(started).hasSize(1);
    harness.advanceAndSettle(Duration.ofMillis(200), Duration.ofMillis(50));
    assertThat(started).hasSize(2);
    assertThat(output("r")).isEqualTo("attempt 1");
  }

  @Test
  void aPermitWhoseHolderVanishedIsTakenBackWhenItsLeaseRunsOut() {
    given(limiter(new LimiterSpec("llm", 1, 0, 0, Duration.ofSeconds(5))), limitedStep());
    harness.request("crashed", "job", Job.of("crashed"));
    harness.runExecutions();
    harness.deliverOutcomes(); // granted; its execution never runs (the instance "crashed" with it)
    assertThat(state("llm").inFlight()).isEqualTo(1);
    harness.dropPendingExecutions();

    harness.request("next", "job", Job.of("next"));
    harness.settle();
    harness.advanceAndSettle(Duration.ofMillis(4_000), Duration.ofMillis(100));
    assertThat(started).isEmpty();
    harness.advanceAndSettle(Duration.ofMillis(2_100), Duration.ofMillis(100));
    assertThat(started).containsExactly("next");
    assertThat(collectResults()).containsKey("next");
  }

  @Test
  void aRunTerminatedWhileHoldingAPermitGivesItBackAtOnceNotAtItsLease() {
    given(limiter(llm(1, 0, 0)), limitedStep());
    harness.request("stuck", "job", Job.of("stuck"));
    harness.runExecutions();
    harness.deliverOutcomes(); // granted; its execution is dispatched but never runs
    harness.dropPendingExecutions();
    harness.request("next", "job", Job.of("next"));
    harness.settle();
    assertThat(started).isEmpty();

    harness.command("stuck", io.stepstream.avro.RunCommand.newBuilder().setRunId("stuck").setCommandId("t-1")
        .setType(io.stepstream.avro.RunCommandType.TERMINATE).setRequestedBy("ops").setReason("test").build());
    harness.settle();
    assertThat(started).containsExactly("next");
    assertThat(collectResults().get("stuck").getStatus()).isEqualTo(RunStatus.TERMINATED);
  }

  @Test
  void aStepWithTwoLimitersRunsOnlyWithBothAndAsksThemInNameOrder() {
    FlowControl flow = new FlowControl(Map.of(
        "a-first", new LimiterSpec("a-first", 1, 0, 0, LimiterSpec.DEFAULT_LEASE),
        "b-second", new LimiterSpec("b-second", 1, 0, 0, LimiterSpec.DEFAULT_LEASE)), List.of());
    given(flow, (ctx, job) -> ctx.step("call", String.class,
        StepOptions.defaults().withLimiter("b-second").withLimiter("a-first"), s -> {
          int now = running.incrementAndGet();
          mostRunning.accumulateAndGet(now, Math::max);
          started.add(job.id());
          running.decrementAndGet();
          return "ok";
        }));
    for (int i = 0; i < 4; i++) {
      harness.request("r" + i, "job", Job.of("r" + i));
    }
    harness.settle();
    assertThat(started).containsExactlyInAnyOrder("r0", "r1", "r2", "r3");
    JournalEntry permit = journal("r0").stream().filter(e -> e.getName().equals("$permit:call@1:1")).findFirst().orElseThrow();
    assertThat(PayloadCodec.decode(permit.getValue(), PermitAnswer.class).held()).containsExactly("a-first", "b-second");
    assertThat(state("a-first").inFlight()).isZero();
    assertThat(state("b-second").inFlight()).isZero();
  }

  @Test
  void aUsedUpBudgetKeyRefusesTheStepWithAnExceptionTheWorkflowCatches() {
    FlowControl flow = new FlowControl(Map.of(), List.of(new KeyBudgetSpec("tenant:", 100L, null, 0)));
    given(flow, (ctx, job) -> {
      for (int i = 0; ; i++) {
        int n = i;
        try {
          ctx.step("call-" + i, String.class, StepOptions.defaults().withBudgetKey("tenant:acme"), s -> {
            started.add("call-" + n);
            s.reportUsage(Usage.tokens(50, 10));
            return "ok";
          });
        } catch (BudgetExceededException e) {
          return "stopped before call-" + n + " by " + e.budgetKey() + " at " + e.used().totalTokens() + " tokens";
        }
      }
    });
    harness.request("r", "job", Job.of("r"));
    harness.settle();
    assertThat(started).containsExactly("call-0", "call-1"); // 0, then 60 spent: below 100; then 120
    assertThat(output("r")).isEqualTo("stopped before call-2 by tenant:acme at 120 tokens");

    harness.request("r2", "job", Job.of("r2")); // the key is shared: another run is refused at once
    harness.settle();
    assertThat(started).containsExactly("call-0", "call-1");
    assertThat(output("r2")).isEqualTo("stopped before call-0 by tenant:acme at 120 tokens");
  }

  @Test
  void aStepNamingAnUndeclaredLimiterParksItsRunNamingTheStepAndTheDeclaredOnes() {
    given(limiter(llm(1, 0, 0)), (ctx, job) -> ctx.step("call", String.class, StepOptions.defaults().withLimiter("gpt-5"), s -> "x"));
    harness.request("r", "job", Job.of("r"));
    harness.settle();
    RunState state = run("r");
    assertThat(state.getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(state.getParkedReason()).contains("UNKNOWN_LIMITER", "'call'", "gpt-5", "[llm]");
  }

  @Test
  void stepsWithoutLimitersAskNothingAndDoNotWait() {
    given(limiter(llm(1, 60, 0)), (ctx, job) -> ctx.step("a", String.class, s -> "a") + ctx.step("b", String.class, s -> "b"));
    harness.request("r", "job", Job.of("r"));
    harness.runExecutions();
    harness.deliverOutcomes();
    assertThat(output("r")).isEqualTo("ab");
    List<JournalEntry> journal = journal("r");
    assertThat(journal).noneMatch(e -> e.getName().startsWith("$permit") || e.getName().startsWith("$release"));
  }
}
