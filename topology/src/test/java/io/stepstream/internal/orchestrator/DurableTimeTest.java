package io.stepstream.internal.orchestrator;

import static io.stepstream.avro.AuditEventType.CANCEL_REJECTED;
import static io.stepstream.avro.AuditEventType.CANCEL_REQUESTED;
import static io.stepstream.avro.AuditEventType.RETRY_SCHEDULED;
import static io.stepstream.avro.AuditEventType.RUN_CANCELLED;
import static io.stepstream.avro.AuditEventType.RUN_COMPLETED;
import static io.stepstream.avro.AuditEventType.RUN_STARTED;
import static io.stepstream.avro.AuditEventType.RUN_WAITING;
import static io.stepstream.avro.AuditEventType.STALE_OUTCOME;
import static io.stepstream.avro.AuditEventType.STEP_ATTEMPT_FAILED;
import static io.stepstream.avro.AuditEventType.STEP_COMPLETED;
import static io.stepstream.avro.AuditEventType.STEP_TIMED_OUT;
import static io.stepstream.avro.AuditEventType.TIMER_FIRED;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.NonRetryableStepException;
import io.stepstream.RetryPolicy;
import io.stepstream.StepFailedException;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retries, timeouts, heartbeats, sleeps, compensation and cancellation, in a TopologyTestDriver
 * with virtual wall-clock time shared by the orchestrator and the executions: no real waiting.
 */
@Timeout(30)
class DurableTimeTest {
  private static final RetryPolicy EXACT =
      RetryPolicy.builder().initialInterval(Duration.ofSeconds(1)).backoffCoefficient(2).jitter(0).maximumAttempts(5).build();

  private final List<String> calls = new CopyOnWriteArrayList<>();
  private OrchestratorHarness harness;

  @AfterEach
  void close() {
    harness.close();
  }

  private void given(String type, Workflow<String, ?> workflow) {
    harness = new OrchestratorHarness(new WorkflowRegistry().register(type, String.class, workflow, EXACT));
  }

  @Test
  void retriesWaitOnDurableTimersThatFollowTheBackoffSchedule() {
    given("flaky", (ctx, in) -> ctx.step("call-llm", String.class, s -> {
      calls.add("attempt " + s.attempt());
      if (s.attempt() < 3) {
        throw new IllegalStateException("429 rate limited");
      }
      return "answer";
    }));
    harness.request("r1", "flaky", "q");
    harness.settle();
    assertThat(types()).containsExactly(RUN_STARTED, STEP_ATTEMPT_FAILED, RETRY_SCHEDULED, RUN_WAITING);

    harness.advanceAndSettle(Duration.ofMillis(980), Duration.ofMillis(20));
    assertThat(calls).containsExactly("attempt 1"); // nothing before the backoff has passed

    harness.advanceAndSettle(Duration.ofMillis(40), Duration.ofMillis(20));
    assertThat(calls).containsExactly("attempt 1", "attempt 2");
    List<AuditEvent> second = harness.events();
    assertThat(harness.eventTypes(second)).containsExactly(TIMER_FIRED, STEP_ATTEMPT_FAILED, RETRY_SCHEDULED, RUN_WAITING);
    assertThat(second.get(0).getLateByMs()).isLessThanOrEqualTo(20L);
    assertThat(second.get(2).getDetail()).contains("attempt 3 at 2026-01-01T00:00:03");

    harness.advanceAndSettle(Duration.ofSeconds(2), Duration.ofMillis(20));
    assertThat(calls).containsExactly("attempt 1", "attempt 2", "attempt 3");
    assertThat(types()).containsExactly(TIMER_FIRED, STEP_COMPLETED, RUN_COMPLETED);
    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), String.class)).isEqualTo("answer");
  }

  @Test
  void whenAttemptsRunOutTheWorkflowGetsAStepFailureItCanCatch() {
    RetryPolicy twice = RetryPolicy.builder().initialInterval(Duration.ofSeconds(1)).jitter(0).maximumAttempts(2).build();
    given("fallback", (ctx, in) -> {
      try {
        return ctx.step("primary", String.class, StepOptions.retry(twice), s -> {
          throw new IllegalStateException("provider down (attempt " + s.attempt() + ")");
        });
      } catch (StepFailedException e) {
        return "fallback after " + e.stepName() + " x" + e.attempts() + ": " + e.getMessage();
      }
    });
    harness.request("r1", "fallback", "q");
    harness.settle();
    harness.advanceAndSettle(Duration.ofSeconds(2), Duration.ofMillis(100));

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(result.getOutput(), String.class))
        .startsWith("fallback after primary x2")
        .contains("provider down (attempt 2)");
  }

  @Test
  void anEscapingStepFailureFailsTheRunWithItsCauseAndAttempts() {
    given("doomed", (ctx, in) -> ctx.step("charge", String.class, StepOptions.retry(RetryPolicy.builder().maximumAttempts(2).jitter(0).build()), s -> {
      throw new IllegalStateException("gateway error");
    }));
    harness.request("r1", "doomed", "q");
    harness.settle();
    harness.advanceAndSettle(Duration.ofSeconds(2), Duration.ofMillis(100));

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getStep()).isEqualTo("charge");
    assertThat(result.getError().getAttempt()).isEqualTo(2);
    assertThat(result.getError().getType()).isEqualTo(IllegalStateException.class.getName());
    assertThat(result.getError().getMessage()).contains("gateway error");
  }

  @Test
  void noRetryIsScheduledPastTheScheduleToCloseTimeout() {
    StepOptions budget = StepOptions.retry(RetryPolicy.builder().initialInterval(Duration.ofSeconds(2)).backoffCoefficient(1).jitter(0).maximumAttempts(0).build())
        .withScheduleToCloseTimeout(Duration.ofSeconds(5));
    given("budgeted", (ctx, in) -> ctx.step("call", String.class, budget, s -> {
      calls.add("attempt " + s.attempt());
      throw new IllegalStateException("still down");
    }));
    harness.request("r1", "budgeted", "q");
    harness.settle();
    harness.advanceAndSettle(Duration.ofSeconds(10), Duration.ofMillis(100));

    // attempts at 0 s and 2 s; one at 4 s would be allowed, one at 6 s would not: 3 attempts in all
    assertThat(calls).containsExactly("attempt 1", "attempt 2", "attempt 3");
    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getMessage()).contains("schedule-to-close timeout of PT5S");
  }

  @Test
  void aNonRetryableFailureStopsAtOnce() {
    given("declined", (ctx, in) -> ctx.step("charge", String.class, s -> {
      calls.add("charge");
      throw new NonRetryableStepException("card declined");
    }));
    harness.request("r1", "declined", "q");
    harness.settle();

    assertThat(calls).hasSize(1);
    assertThat(harness.results().get(0).getError().getType()).isEqualTo(NonRetryableStepException.class.getName());
  }

  @Test
  void exceptionTypesListedAsNonRetryableAreNotRetried() {
    RetryPolicy policy = RetryPolicy.builder().maximumAttempts(5).nonRetryable(IllegalArgumentException.class).build();
    given("bad-input", (ctx, in) -> ctx.step("parse", String.class, StepOptions.retry(policy), s -> {
      calls.add("parse");
      throw new IllegalArgumentException("not a number");
    }));
    harness.request("r1", "bad-input", "q");
    harness.settle();

    assertThat(calls).hasSize(1);
    assertThat(harness.results().get(0).getStatus()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void anAttemptOverItsStartToCloseTimeoutFailsAndItsLateResultIsDropped() {
    StepOptions oneMinute = StepOptions.retry(EXACT).withStartToCloseTimeout(Duration.ofMinutes(1));
    given("slow", (ctx, in) -> ctx.step("summarize", String.class, oneMinute, s -> {
      if (s.attempt() == 1) {
        harness.clock.advance(Duration.ofMinutes(2)); // the attempt takes two (virtual) minutes
        return "late result";
      }
      return "on-time result";
    }));
    harness.request("r1", "slow", "q");
    harness.settle();
    List<AuditEvent> events = harness.events();
    assertThat(harness.eventTypes(events)).containsExactly(RUN_STARTED, STEP_TIMED_OUT, RETRY_SCHEDULED, RUN_WAITING);
    assertThat(events.get(1).getDetail()).contains("STEP_TIMEOUT").contains("start-to-close timeout of PT1M exceeded");

    // the executions' clock ran two minutes ahead inside the step; let the orchestrator catch up
    harness.advanceAndSettle(Duration.ofMinutes(2).plusSeconds(2), Duration.ofMillis(500));

    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), String.class)).isEqualTo("on-time result");
  }

  @Test
  void aLateOutcomeOfASupersededAttemptIsIgnored() {
    given("slow", (ctx, in) -> ctx.step("summarize", String.class, s -> {
      if (s.attempt() == 1) {
        throw new IllegalStateException("timeout talking to the model");
      }
      return "attempt-2 value";
    }));
    harness.request("r1", "slow", "q");
    harness.settle();
    harness.advanceAndSettle(Duration.ofSeconds(1), Duration.ofMillis(20)); // attempt 2 ran under generation 2
    harness.events();

    // attempt 1's execution (generation 1) "finishes" late, e.g. a zombie instance resumed
    JournalEntry late = JournalEntry.newBuilder().setRunId("r1").setName("summarize").setKind(EntryKind.STEP)
        .setSucceeded(true).setValue(PayloadCodec.encode("late value")).setGeneration(1).setRecordedAt(0).build();
    harness.deliver(StepOutcome.newBuilder().setRunId("r1").setGeneration(1).setEntries(List.of(late)).build());

    assertThat(types()).containsExactly(io.stepstream.avro.AuditEventType.DUPLICATE_OUTCOME);
    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), String.class)).isEqualTo("attempt-2 value");
  }

  @Test
  void aStaleOutcomeArrivingWhileTheRunWaitsChangesNothing() {
    given("flaky", (ctx, in) -> ctx.step("s", String.class, s -> {
      throw new IllegalStateException("boom");
    }));
    harness.request("r1", "flaky", "q");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMillis(1020), Duration.ofMillis(20)); // generation 2 failed attempt 2, waits again
    harness.events();

    harness.deliver(StepOutcome.newBuilder().setRunId("r1").setGeneration(1).setEntries(List.of()).build());

    assertThat(types()).containsExactly(STALE_OUTCOME);
  }

  @Test
  void missedHeartbeatsTimeTheAttemptOutAndTheNextAttemptSeesTheLastDetails() {
    StepOptions withHeartbeat = StepOptions.retry(EXACT).withHeartbeatTimeout(Duration.ofSeconds(10));
    given("crawler", (ctx, in) -> ctx.step("crawl", String.class, withHeartbeat, s -> {
      String resumeFrom = s.lastHeartbeat(String.class).orElse("page-0");
      calls.add("attempt " + s.attempt() + " from " + resumeFrom);
      if (s.attempt() == 1) {
        s.heartbeat("page-3");
        harness.clock.advance(Duration.ofSeconds(30)); // then hangs without heartbeats
        return "never used";
      }
      return "crawled from " + resumeFrom;
    }));
    harness.request("r1", "crawler", "q");
    harness.settle();
    assertThat(harness.events()).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo(STEP_TIMED_OUT);
      assertThat(e.getDetail()).contains("heartbeat");
    });

    harness.advanceAndSettle(Duration.ofSeconds(32), Duration.ofMillis(100));

    assertThat(calls).containsExactly("attempt 1 from page-0", "attempt 2 from page-3");
    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), String.class)).isEqualTo("crawled from page-3");
  }

  @Test
  void aDurableSleepWakesOnTimeAndNotBefore() {
    given("napper", (ctx, in) -> {
      ctx.step("before", String.class, s -> "x");
      ctx.sleep("nap", Duration.ofHours(1));
      return ctx.step("after", String.class, s -> "woke at " + ctx.now());
    });
    harness.request("r1", "napper", "q");
    harness.settle();
    assertThat(types()).containsExactly(RUN_STARTED, STEP_COMPLETED, RUN_WAITING);

    harness.advanceAndSettle(Duration.ofMinutes(59), Duration.ofSeconds(30));
    assertThat(harness.results()).isEmpty();

    harness.advanceAndSettle(Duration.ofSeconds(61), Duration.ofMillis(20));
    List<AuditEvent> events = harness.events();
    AuditEvent fired = events.stream().filter(e -> e.getType() == TIMER_FIRED).findFirst().orElseThrow();
    assertThat(fired.getLateByMs()).isBetween(0L, 20L);
    assertThat(harness.eventTypes(events)).containsSubsequence(TIMER_FIRED, STEP_COMPLETED, RUN_COMPLETED);
    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), String.class)).startsWith("woke at 2026-01-01T01:00");
  }

  @Test
  void sleepUntilAnInstantInThePastReturnsAtOnce() {
    given("no-wait", (ctx, in) -> {
      ctx.sleepUntil("already", java.time.Instant.parse("2020-01-01T00:00:00Z"));
      return "done";
    });
    harness.request("r1", "no-wait", "q");
    harness.settle();

    assertThat(harness.results()).extracting(WorkflowResult::getStatus).containsExactly(RunStatus.COMPLETED);
  }

  @Test
  void compensationsRunInReverseOrderWhenTheWorkflowFails() {
    given("trip", (ctx, in) -> {
      ctx.step("book-flight", String.class, s -> "F1");
      ctx.addCompensation("book-flight", s -> calls.add("cancel flight"));
      ctx.step("book-hotel", String.class, s -> "H1");
      ctx.addCompensation("book-hotel", s -> calls.add("cancel hotel"));
      return ctx.step("charge", String.class, StepOptions.retry(RetryPolicy.noRetries()), s -> {
        throw new NonRetryableStepException("card declined");
      });
    });
    harness.request("r1", "trip", "q");
    harness.settle();

    assertThat(calls).containsExactly("cancel hotel", "cancel flight");
    List<String> steps = harness.events().stream().filter(e -> e.getType() == STEP_COMPLETED).map(AuditEvent::getStep).collect(Collectors.toList());
    assertThat(steps).containsExactly("book-flight", "book-hotel", "compensate:book-hotel", "compensate:book-flight");
    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getStep()).isEqualTo("charge");
  }

  @Test
  void aCancelledRunStopsAtTheNextBoundaryCompensatesAndEndsCancelled() {
    given("trip", (ctx, in) -> {
      ctx.step("reserve", String.class, s -> "R1");
      ctx.addCompensation("reserve", s -> calls.add("release R1"));
      ctx.sleep("wait-for-payment-window", Duration.ofHours(24));
      calls.add("after sleep");
      return ctx.step("confirm", String.class, s -> "confirmed");
    });
    harness.request("r1", "trip", "q");
    harness.settle();
    harness.events();

    harness.cancel("r1", "customer changed their mind");
    harness.settle();

    List<AuditEvent> events = harness.events();
    assertThat(harness.eventTypes(events)).containsExactly(CANCEL_REQUESTED, STEP_COMPLETED, RUN_CANCELLED);
    assertThat(events.get(0).getCommandId()).isEqualTo("cmd-r1");
    assertThat(calls).containsExactly("release R1");
    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.CANCELLED);
    assertThat(result.getError().getMessage()).contains("customer changed their mind");

    harness.advanceAndSettle(Duration.ofHours(25), Duration.ofHours(1)); // its timer was removed
    assertThat(types()).isEmpty();
  }

  @Test
  void cancellingAFinishedOrUnknownRunGetsAClearAnswer() {
    given("quick", (ctx, in) -> "done");
    harness.request("r1", "quick", "q");
    harness.settle();
    harness.events();

    harness.cancel("r1", "too late");
    harness.cancel("ghost", "never existed");

    List<AuditEvent> events = harness.events();
    assertThat(harness.eventTypes(events)).containsExactly(CANCEL_REJECTED, CANCEL_REJECTED);
    assertThat(events.get(0).getDetail()).isEqualTo("run r1 already ended COMPLETED; nothing to cancel");
    assertThat(events.get(1).getDetail()).isEqualTo("no run ghost exists; nothing to cancel");
    assertThat(harness.deadLetterRecords()).isEmpty();
  }

  private List<AuditEventType> types() {
    return harness.eventTypes(harness.events());
  }
}
