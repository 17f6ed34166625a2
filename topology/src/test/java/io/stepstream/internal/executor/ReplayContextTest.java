package io.stepstream.internal.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.StepFailedException;
import io.stepstream.Workflow;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.testing.RecordingPublisher;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Journal and replay rules of one execution, without Kafka. */
@Timeout(10)
class ReplayContextTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  private final RecordingPublisher publisher = new RecordingPublisher();
  private final AtomicInteger executed = new AtomicInteger();

  record Greeting(String text) {}

  private final Workflow<String, Greeting> twoSteps =
      (ctx, name) -> {
        String upper = ctx.step("upper", String.class, s -> { executed.incrementAndGet(); return name.toUpperCase(); });
        return ctx.step("greet", Greeting.class, s -> { executed.incrementAndGet(); return new Greeting("hello " + upper); });
      };

  @Test
  void eachStepIsPublishedBeforeTheNextOneRunsAndTheLastTravelsWithTheCompletion() {
    List<StepOutcome> outcomes = run(twoSteps, Map.of());

    assertThat(executed).hasValue(2);
    assertThat(outcomes).hasSize(2);
    assertThat(outcomes.get(0).getEntries()).extracting(JournalEntry::getName).containsExactly("upper");
    assertThat(outcomes.get(0).getCompletion()).isNull();
    assertThat(outcomes.get(1).getEntries()).extracting(JournalEntry::getName).containsExactly("greet");
    assertThat(outcomes.get(1).getCompletion().getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(outcomes.get(1).getCompletion().getOutput(), Greeting.class))
        .isEqualTo(new Greeting("hello ADA"));
  }

  @Test
  void recordedStepsAreReplayedNotExecutedAgain() {
    Map<String, JournalEntry> journal = Map.of("upper", stepEntry("upper", "RECORDED"));

    List<StepOutcome> outcomes = run(twoSteps, journal);

    assertThat(executed).hasValue(1);
    assertThat(PayloadCodec.decode(outcomes.get(outcomes.size() - 1).getCompletion().getOutput(), Greeting.class))
        .isEqualTo(new Greeting("hello RECORDED"));
  }

  @Test
  void aRecordedFailureIsReplayedAsTheSameStepFailure() {
    JournalEntry failed = stepEntry("upper", null);
    failed.setSucceeded(false);
    failed.setError(ErrorInfo.newBuilder().setType("java.io.IOException").setMessage("boom").setStep("upper").setAttempt(1).build());
    Workflow<String, String> catching =
        (ctx, in) -> {
          try {
            return ctx.step("upper", String.class, s -> "never");
          } catch (StepFailedException e) {
            return "fallback after " + e.stepName() + " " + e.errorType();
          }
        };

    List<StepOutcome> outcomes = run(catching, Map.of("upper", failed));

    assertThat(PayloadCodec.decode(outcomes.get(0).getCompletion().getOutput(), String.class))
        .isEqualTo("fallback after upper java.io.IOException");
  }

  @Test
  void aStepThatThrowsFailsTheRunWithTheStepNameAndError() {
    Workflow<String, String> failing = (ctx, in) -> ctx.step("charge", String.class, s -> { throw new IllegalStateException("card declined"); });

    List<StepOutcome> outcomes = run(failing, Map.of());

    assertThat(outcomes).hasSize(1);
    assertThat(outcomes.get(0).getEntries().get(0).getSucceeded()).isFalse();
    var completion = outcomes.get(0).getCompletion();
    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getStep()).isEqualTo("charge");
    assertThat(completion.getError().getMessage()).contains("card declined").contains("charge");
  }

  @Test
  void reachingARecordedNameWithAnotherKindOfCallParksTheRun() {
    JournalEntry recordedAsStep = stepEntry("$now:1", "x");
    Workflow<String, String> usesNow = (ctx, in) -> ctx.now().toString();

    List<StepOutcome> outcomes = run(usesNow, Map.of("$now:1", recordedAsStep));

    var completion = outcomes.get(0).getCompletion();
    assertThat(completion.getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(completion.getError().getType()).isEqualTo("NON_DETERMINISM");
    assertThat(completion.getError().getMessage()).contains("run-1").contains("'$now:1'").contains("STEP")
        .contains("`stepstream resume run-1`");
  }

  @Test
  void aNameUsedTwiceInOneRunFailsItWithAClearMessage() {
    Workflow<String, String> sameNameTwice =
        (ctx, in) -> {
          ctx.step("tool", String.class, s -> "a");
          return ctx.step("tool", String.class, s -> "b");
        };

    var completion = last(run(sameNameTwice, Map.of())).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getMessage()).contains("'tool' twice").contains("\"tool-\" + i");
  }

  @Test
  void recordedTimeAndRandomnessAreTheSameOnReplay() {
    Workflow<String, String> nondeterministicInputs = (ctx, in) -> ctx.now() + " " + ctx.randomUUID();
    StepOutcome first = last(run(nondeterministicInputs, Map.of()));
    Map<String, JournalEntry> journal = new HashMap<>();
    first.getEntries().forEach(e -> journal.put(e.getName(), e));

    StepOutcome replayed = last(run(nondeterministicInputs, journal));

    assertThat(journal).containsOnlyKeys("$now:1", "$uuid:1");
    assertThat(journal.get("$now:1").getKind()).isEqualTo(EntryKind.NOW);
    assertThat(replayed.getCompletion().getOutput()).isEqualTo(first.getCompletion().getOutput());
  }

  @Test
  void aResultTooLargeForKafkaIsALoudStepFailureNotASilentLoss() {
    publisher.maxBytes(2_000);
    Workflow<String, String> big = (ctx, in) -> ctx.step("big", String.class, s -> "x".repeat(10_000));

    List<StepOutcome> outcomes = run(big, Map.of());

    JournalEntry entry = outcomes.get(0).getEntries().get(0);
    assertThat(entry.getSucceeded()).isFalse();
    assertThat(entry.getError().getType()).isEqualTo("RECORD_TOO_LARGE");
    assertThat(entry.getError().getMessage()).contains("step 'big'").contains("run-1").contains("2000 bytes");
    assertThat(last(outcomes).getCompletion().getStatus()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void anExecutionThatCannotPublishStopsAndAsksToBeRedispatched() {
    publisher.failNext(1);
    List<Boolean> ended = new ArrayList<>();

    execution(twoSteps, Map.of(), (e, finished) -> ended.add(finished)).run();

    assertThat(publisher.drain()).isEmpty();
    assertThat(ended).containsExactly(false);
  }

  @Test
  void aCancelledExecutionPublishesNothingMore() {
    List<Boolean> ended = new ArrayList<>();
    Execution[] self = new Execution[1];
    Workflow<String, String> cancelsItself =
        (ctx, in) -> {
          ctx.step("one", String.class, s -> "1");
          self[0].cancel();
          return ctx.step("two", String.class, s -> "2");
        };
    self[0] = execution(cancelsItself, Map.of(), (e, finished) -> ended.add(finished));

    self[0].run();

    // step "one" was only buffered (nothing had depended on it yet): the next owner runs it again
    assertThat(publisher.drain()).isEmpty();
    assertThat(ended).containsExactly(false);
  }

  @Test
  void aBlockedStepPastItsTimeoutIsInterruptedAndCountsAsAFailedAttempt() {
    java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
    Workflow<String, String> hangs =
        (ctx, in) -> ctx.step("hang", String.class,
            io.stepstream.StepOptions.retry(RetryPolicy.noRetries()).withStartToCloseTimeout(java.time.Duration.ofMillis(200)),
            s -> {
              try {
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
              }
              return "never";
            });
    var registry = new WorkflowRegistry().register("wf", String.class, hangs, RetryPolicy.noRetries());
    var request = new ExecutionRequest("run-1", "wf", 1, PayloadCodec.encode("x"), Map.of());
    new Execution(request, registry.find("wf").orElseThrow(), publisher, (e, f) -> {}, Clock.systemUTC()).run();

    List<StepOutcome> outcomes = publisher.drain();
    assertThat(outcomes.get(0).getEntries().get(0).getError().getType()).isEqualTo("STEP_TIMEOUT");
    assertThat(last(outcomes).getCompletion().getError().getMessage()).contains("start-to-close timeout of PT0.2S exceeded");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilTrue(interrupted);
  }

  private List<StepOutcome> run(Workflow<String, ?> workflow, Map<String, JournalEntry> journal) {
    execution(workflow, journal, (e, finished) -> assertThat(finished).isTrue()).run();
    return publisher.drain();
  }

  private Execution execution(Workflow<String, ?> workflow, Map<String, JournalEntry> journal, ExecutionListener listener) {
    var registry = new WorkflowRegistry().register("wf", String.class, workflow, RetryPolicy.noRetries());
    var request = new ExecutionRequest("run-1", "wf", 1, PayloadCodec.encode("ada"), journal);
    return new Execution(request, registry.find("wf").orElseThrow(), publisher, listener, CLOCK);
  }

  private static StepOutcome last(List<StepOutcome> outcomes) {
    return outcomes.get(outcomes.size() - 1);
  }

  private static JournalEntry stepEntry(String name, String value) {
    return JournalEntry.newBuilder()
        .setRunId("run-1").setName(name).setKind(EntryKind.STEP).setSucceeded(true)
        .setValue(PayloadCodec.encode(value)).setGeneration(1).setRecordedAt(0).build();
  }
}
