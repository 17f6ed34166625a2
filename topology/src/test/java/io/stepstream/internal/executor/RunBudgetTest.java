package io.stepstream.internal.executor;

import static io.stepstream.internal.executor.ExecutionFixture.journalOf;
import static io.stepstream.internal.executor.ExecutionFixture.last;
import static io.stepstream.internal.executor.ExecutionFixture.plus;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Budget;
import io.stepstream.BudgetExceededException;
import io.stepstream.DurableFuture;
import io.stepstream.RetryPolicy;
import io.stepstream.StepFailedException;
import io.stepstream.StepOptions;
import io.stepstream.Usage;
import io.stepstream.Workflow;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.StepUsage;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Usage journaled per attempt, the run's usage as the code sees it, and the run budget (ADR 0018). */
@Timeout(20)
class RunBudgetTest {
  private final ExecutionFixture fixture = new ExecutionFixture();
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

  private int ran(String step) {
    return runs.computeIfAbsent(step, k -> new AtomicInteger()).get();
  }

  private void count(String step) {
    runs.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
  }

  private static StepUsage usage(long in, long out, double cost) {
    return StepUsage.newBuilder().setInputTokens(in).setOutputTokens(out).setCost(cost).build();
  }

  /** Three model calls of 100 in / 50 out tokens; a budget of 250 tokens; the third is refused and the workflow wraps up. */
  private Workflow<String, String> threeCallsWithinBudget(List<Usage> seen) {
    return (ctx, in) -> {
      ctx.budget(Budget.ofTokens(250));
      StringBuilder answer = new StringBuilder();
      try {
        for (int i = 1; i <= 3; i++) {
          answer.append(ctx.step("call-" + i, String.class, s -> {
            count(s.stepName());
            s.reportUsage(Usage.tokens(100, 50).withCost(0.01));
            return s.stepName() + ";";
          }));
          seen.add(ctx.usage());
        }
        return answer.toString();
      } catch (BudgetExceededException e) {
        return "partial: " + answer + " (" + e.step() + " refused, key " + e.budgetKey() + ", used " + e.used().totalTokens() + " of "
            + e.budget().maxTokens() + ")";
      }
    };
  }

  @Test
  void whatAnAttemptReportsIsJournaledOnItsStepEntryAndNothingReportedIsNull() {
    Workflow<String, String> wf = (ctx, in) -> {
      ctx.step("model", String.class, s -> {
        s.reportUsage(Usage.tokens(10, 5));
        s.reportUsage(Usage.tokens(1, 2).withCost(0.5)); // calls add up
        return "a";
      });
      return ctx.step("tool", String.class, s -> "b");
    };

    Map<String, JournalEntry> journal = journalOf(fixture.run(wf, Map.of()));

    assertThat(journal.get("model").getUsage()).isEqualTo(usage(11, 7, 0.5));
    assertThat(journal.get("tool").getUsage()).isNull();
  }

  @Test
  void theBudgetRefusesTheNextStepBeforeItsBodyRunsAndTheWorkflowCanReturnAPartialAnswer() {
    List<Usage> seen = new ArrayList<>();

    List<StepOutcome> outcomes = fixture.run(threeCallsWithinBudget(seen), Map.of());

    assertThat(ran("call-1")).isEqualTo(1);
    assertThat(ran("call-2")).isEqualTo(1);
    assertThat(ran("call-3")).as("the refused step's body never ran").isZero();
    StepOutcome end = last(outcomes);
    assertThat(end.getCompletion().getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(end.getCompletion().getOutput(), String.class))
        .isEqualTo("partial: call-1;call-2; (call-3 refused, key null, used 300 of 250)");
    assertThat(seen).containsExactly(new Usage(100, 50, 0.01), new Usage(200, 100, 0.02));
    JournalEntry refusal = journalOf(outcomes).get("call-3");
    assertThat(refusal.getKind()).isEqualTo(EntryKind.STEP);
    assertThat(refusal.getSucceeded()).isFalse();
    assertThat(refusal.getError().getType()).isEqualTo("BUDGET_EXCEEDED");
    assertThat(refusal.getError().getMessage()).contains("call-3").contains("the run's budget").contains("300 tokens");
    assertThat(refusal.getUsage()).as("no attempt ran, nothing spent").isNull();
  }

  @Test
  void aReplayGivesTheSameUsageAtTheSamePointsAndRefusesTheSameStepWithoutRunningAnything() {
    List<Usage> first = new ArrayList<>();
    Map<String, JournalEntry> journal = journalOf(fixture.run(threeCallsWithinBudget(first), Map.of()));
    runs.clear();
    List<Usage> replayed = new ArrayList<>();

    StepOutcome end = last(fixture.run(threeCallsWithinBudget(replayed), journal));

    assertThat(runs.values()).allMatch(n -> n.get() == 0);
    assertThat(replayed).isEqualTo(first);
    assertThat(PayloadCodec.decode(end.getCompletion().getOutput(), String.class)).startsWith("partial: call-1;call-2; (call-3 refused");
  }

  @Test
  void aJournaledRefusalIsReplayedAsTheSameRefusalEvenIfTheCodeNowAllowsMore() {
    Map<String, JournalEntry> journal = journalOf(fixture.run(threeCallsWithinBudget(new ArrayList<>()), Map.of()));
    runs.clear();
    Workflow<String, String> biggerBudget = (ctx, in) -> {
      ctx.budget(Budget.ofTokens(1_000_000));
      try {
        for (int i = 1; i <= 3; i++) {
          ctx.step("call-" + i, String.class, s -> { count(s.stepName()); return "x"; });
        }
        return "all three";
      } catch (BudgetExceededException e) {
        return e.step() + " " + e.used().totalTokens() + "/" + e.budget().maxTokens();
      }
    };

    StepOutcome end = last(fixture.run(biggerBudget, journal));

    assertThat(PayloadCodec.decode(end.getCompletion().getOutput(), String.class)).isEqualTo("call-3 300/250");
    assertThat(ran("call-3")).isZero();
  }

  @Test
  void aFailedAttemptsUsageIsJournaledAndCountsAndNoRetryStartsOnceTheBudgetIsReached() {
    Clock start = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    fixture.retry(RetryPolicy.builder().maximumAttempts(5).initialInterval(Duration.ofSeconds(10)).jitter(0).build()).clock(start);
    Workflow<String, String> flaky = (ctx, in) -> {
      ctx.budget(Budget.ofCost(1.0));
      try {
        return ctx.step("flaky", String.class, s -> {
          count("flaky");
          s.reportUsage(Usage.tokens(400, 0).withCost(0.6));
          throw new IllegalStateException("the model timed out after spending");
        });
      } catch (BudgetExceededException e) {
        return "gave up: " + e.used();
      }
    };

    List<StepOutcome> firstPass = fixture.run(flaky, Map.of());
    JournalEntry attempt1 = journalOf(firstPass).get("flaky@1");
    assertThat(attempt1.getKind()).isEqualTo(EntryKind.STEP_ATTEMPT);
    assertThat(attempt1.getUsage()).isEqualTo(usage(400, 0, 0.6));
    assertThat(last(firstPass).getCompletion().getStatus()).isEqualTo(RunStatus.WAITING);

    fixture.clock(Clock.offset(start, Duration.ofSeconds(11)));
    List<StepOutcome> secondPass = fixture.run(flaky, journalOf(firstPass));
    assertThat(journalOf(secondPass).get("flaky@2").getUsage()).isEqualTo(usage(400, 0, 0.6));
    assertThat(last(secondPass).getCompletion().getStatus()).isEqualTo(RunStatus.WAITING);

    fixture.clock(Clock.offset(start, Duration.ofSeconds(40)));
    List<StepOutcome> thirdPass = fixture.run(flaky, plus(journalOf(firstPass), secondPass));

    assertThat(ran("flaky")).as("two attempts spent 1.2 of a budget of 1.0: the third never started").isEqualTo(2);
    StepOutcome end = last(thirdPass);
    assertThat(end.getCompletion().getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(end.getCompletion().getOutput(), String.class)).isEqualTo("gave up: Usage[inputTokens=800, outputTokens=0, cost=1.2]");
    JournalEntry refusal = journalOf(thirdPass).get("flaky");
    assertThat(refusal.getError().getType()).isEqualTo("BUDGET_EXCEEDED");
    assertThat(refusal.getAttempt()).as("attempts that ran before the refusal").isEqualTo(2);
  }

  @Test
  void aStepThatFailsForGoodCarriesItsUsageAndTheRunsUsageCountsIt() {
    List<Usage> seen = new CopyOnWriteArrayList<>();
    Workflow<String, String> wf = (ctx, in) -> {
      try {
        ctx.step("fails", String.class, s -> {
          s.reportUsage(Usage.tokens(7, 3));
          throw new IllegalStateException("no");
        });
      } catch (StepFailedException e) {
        seen.add(ctx.usage());
      }
      return "done";
    };

    List<StepOutcome> outcomes = fixture.run(wf, Map.of());

    assertThat(journalOf(outcomes).get("fails").getUsage()).isEqualTo(usage(7, 3, 0));
    assertThat(seen).containsExactly(Usage.tokens(7, 3));
  }

  /** A clock that stands still until {@link #jump} moves it an hour on: a deadline passes exactly when the test says. */
  static final class JumpingClock extends Clock {
    private final Instant start = Instant.parse("2026-01-01T00:00:00Z");
    private volatile boolean jumped;

    void jump() {
      jumped = true;
    }

    @Override
    public Instant instant() {
      return jumped ? start.plus(Duration.ofHours(1)) : start;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void aTimedOutAttemptsUsageIsJournaledWithIt() {
    JumpingClock clock = new JumpingClock();
    Workflow<String, String> slow = (ctx, in) -> {
      try {
        return ctx.step("slow", String.class, StepOptions.defaults().withStartToCloseTimeout(Duration.ofMinutes(1)), s -> {
          s.reportUsage(Usage.tokens(50, 0));
          clock.jump(); // the deadline passes only once the usage was reported
          Thread.sleep(10_000);
          return "never";
        });
      } catch (StepFailedException e) {
        return e.errorType() + " " + ctx.usage().totalTokens();
      }
    };

    List<StepOutcome> outcomes = new ExecutionFixture().clock(clock).run(slow, Map.of());

    assertThat(journalOf(outcomes).get("slow").getUsage()).isEqualTo(usage(50, 0, 0));
    assertThat(PayloadCodec.decode(last(outcomes).getCompletion().getOutput(), String.class)).isEqualTo("STEP_TIMEOUT 50");
  }

  /** Two parallel calls of 100 tokens each under a budget of 150: both run (checked when created), a third after all() is refused. */
  private Workflow<String, String> parallelCalls(List<Usage> seen) {
    return (ctx, in) -> {
      ctx.budget(Budget.ofTokens(150));
      List<DurableFuture<String>> calls = new ArrayList<>();
      for (int i = 1; i <= 2; i++) {
        calls.add(ctx.stepAsync("branch-" + i, String.class, s -> {
          count(s.stepName());
          s.reportUsage(Usage.tokens(100, 0));
          return s.stepName();
        }));
      }
      seen.add(ctx.usage()); // before any branch's outcome was received: 0 whatever the timing
      List<String> results = ctx.all(calls);
      seen.add(ctx.usage());
      DurableFuture<String> late = ctx.stepAsync("branch-3", String.class, s -> { count(s.stepName()); return "no"; });
      try {
        late.get();
        return "unexpected";
      } catch (BudgetExceededException e) {
        return results + " then " + e.step() + " refused";
      }
    };
  }

  @Test
  void parallelStepsCountWhenTheirOutcomeIsReceivedAndAStepStartedAfterTheBudgetIsRefused() {
    List<Usage> seen = new ArrayList<>();
    List<StepOutcome> outcomes = fixture.run(parallelCalls(seen), Map.of());

    assertThat(ran("branch-1")).isEqualTo(1);
    assertThat(ran("branch-2")).isEqualTo(1);
    assertThat(ran("branch-3")).isZero();
    assertThat(seen).containsExactly(Usage.ZERO, Usage.tokens(200, 0));
    assertThat(journalOf(outcomes).get("branch-1").getUsage()).as("a branch's entry carries its attempt's usage").isEqualTo(usage(100, 0, 0));
    assertThat(journalOf(outcomes).get("branch-2").getUsage()).isEqualTo(usage(100, 0, 0));
    assertThat(journalOf(outcomes).get("branch-3").getError().getType()).isEqualTo("BUDGET_EXCEEDED");
    assertThat(PayloadCodec.decode(last(outcomes).getCompletion().getOutput(), String.class))
        .isEqualTo("[branch-1, branch-2] then branch-3 refused");

    runs.clear();
    List<Usage> replayed = new ArrayList<>();
    fixture.run(parallelCalls(replayed), journalOf(outcomes));
    assertThat(replayed).isEqualTo(seen);
    assertThat(runs.values()).allMatch(n -> n.get() == 0);
  }

  @Test
  void compensationsRunEvenWhenTheBudgetIsUsedUp() {
    Workflow<String, String> wf = (ctx, in) -> {
      ctx.budget(Budget.ofTokens(10));
      ctx.step("book", String.class, s -> { s.reportUsage(Usage.tokens(20, 0)); return "booked"; });
      ctx.addCompensation("book", s -> { count("undo"); return null; });
      try {
        ctx.step("pay", String.class, s -> "paid");
        return "paid";
      } catch (BudgetExceededException e) {
        ctx.compensate();
        return "undone";
      }
    };

    StepOutcome end = last(fixture.run(wf, Map.of()));

    assertThat(ran("undo")).isEqualTo(1);
    assertThat(PayloadCodec.decode(end.getCompletion().getOutput(), String.class)).isEqualTo("undone");
  }

  @Test
  void aBudgetExceededThatTheWorkflowDoesNotCatchFailsTheRunNamingTheStep() {
    Workflow<String, String> wf = (ctx, in) -> {
      ctx.budget(Budget.ofTokens(0));
      return ctx.step("first", String.class, s -> "x");
    };

    StepOutcome end = last(fixture.run(wf, Map.of()));

    assertThat(end.getCompletion().getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(end.getCompletion().getError().getMessage()).contains("step 'first' not started").contains("the run's budget");
    assertThat(end.getCompletion().getError().getType()).isEqualTo("BUDGET_EXCEEDED");
    assertThat(end.getCompletion().getError().getStep()).isEqualTo("first");
  }

  @Test
  void aDefaultBudgetGivenAtRegistrationAppliesBeforeTheWorkflowsCode() {
    Workflow<String, String> agent = (ctx, in) -> {
      try {
        ctx.step("expensive", String.class, s -> { s.reportUsage(Usage.tokens(0, 0).withCost(2.0)); return "x"; });
        return ctx.step("more", String.class, s -> { count("more"); return "y"; });
      } catch (BudgetExceededException e) {
        return "stopped at " + e.step() + " with budget " + e.budget();
      }
    };

    StepOutcome end = last(fixture.run(Budget.ofCost(1.5).applyTo(agent), Map.of()));

    assertThat(ran("more")).isZero();
    assertThat(PayloadCodec.decode(end.getCompletion().getOutput(), String.class))
        .isEqualTo("stopped at more with budget Budget[maxTokens=null, maxCost=1.5]");
  }

  @Test
  void aStepThatFailedWithAWorkflowFailureNamedBudgetExceededReplaysAsThatFailureNotARefusal() {
    Workflow<String, String> wf = (ctx, in) -> {
      try {
        return ctx.step("quota", String.class, s -> {
          throw io.stepstream.WorkflowFailure.nonRetryable("BUDGET_EXCEEDED", "the provider's own quota", java.util.Map.of("left", 0));
        });
      } catch (StepFailedException e) {
        return "step failure " + e.errorType();
      }
    };
    Map<String, JournalEntry> journal = journalOf(fixture.run(wf, Map.of()));

    StepOutcome replayed = last(fixture.run(wf, journal));

    assertThat(replayed.getCompletion().getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(replayed.getCompletion().getOutput(), String.class)).isEqualTo("step failure BUDGET_EXCEEDED");
  }

  @Test
  void aNullBudgetIsRefusedWithWhatToDoInstead() {
    Workflow<String, String> wf = (ctx, in) -> {
      ctx.budget(null);
      return "x";
    };

    StepOutcome end = last(fixture.run(wf, Map.of()));

    assertThat(end.getCompletion().getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(end.getCompletion().getError().getMessage()).contains("budget(null)").contains("new Budget(null, null)");
  }
}
