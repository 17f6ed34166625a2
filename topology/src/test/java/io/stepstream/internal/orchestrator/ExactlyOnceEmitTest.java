package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EmittedRecord;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.executor.EmitTopics;
import io.stepstream.internal.executor.Emits;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ctx.emit} and {@code StepContext.emit} on the TopologyTestDriver: records reach the user
 * topic in the transaction that journals them, once, and a step's records only with the step's
 * journaled success.
 */
@Timeout(30)
class ExactlyOnceEmitTest {
  record Shipped(String orderId, int parcels) {}

  record Picks(List<String> values) {}

  private static final String OUT = "orders.out";
  private final AtomicInteger quoteAttempts = new AtomicInteger();
  private final AtomicInteger passes = new AtomicInteger();
  private final RetryPolicy retryOnce = RetryPolicy.builder().maximumAttempts(2).initialInterval(Duration.ofSeconds(1)).jitter(0).build();

  private final WorkflowRegistry registry =
      new WorkflowRegistry()
          .register("ship", String.class, (Workflow<String, String>) (ctx, order) -> {
            passes.incrementAndGet();
            ctx.emit(OUT, order, new Shipped(order, 2), Map.of("source", "test"));
            ctx.sleep("nap", Duration.ofMinutes(1)); // the run replays after it: the emit must not be written again
            ctx.emit(OUT, order, "done");
            return "shipped";
          })
          .register("quote", String.class, (Workflow<String, String>) (ctx, order) ->
              ctx.step("quote", String.class, StepOptions.retry(retryOnce), s -> {
                int attempt = quoteAttempts.incrementAndGet();
                s.emit(OUT, order, "quote from attempt " + attempt);
                if (attempt == 1) {
                  throw new IllegalStateException("pricing service down");
                }
                return "quoted by attempt " + attempt;
              }))
          .register("pick", String.class, (Workflow<String, Picks>) (ctx, order) -> {
            Picks picks = ctx.step("pick", Picks.class, s -> {
              List<String> values = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString());
              values.forEach(v -> s.emit(OUT, order, v));
              return new Picks(values);
            });
            ctx.sleep("nap", Duration.ofMinutes(1));
            return picks;
          })
          .register("undeclared", String.class, (Workflow<String, String>) (ctx, order) -> {
            ctx.emit("no.such.topic", order, "x");
            return "unreachable";
          })
          .register("undeclared-in-step", String.class, (Workflow<String, String>) (ctx, order) ->
              ctx.step("send", String.class, StepOptions.retry(RetryPolicy.builder().maximumAttempts(1).build()), s -> {
                s.emit("no.such.topic", order, "x");
                return "unreachable";
              }))
          .register("changes-its-emit", String.class, (Workflow<String, String>) (ctx, order) -> {
            ctx.emit(OUT, order, "pass " + passes.incrementAndGet()); // not deterministic: differs on replay
            ctx.sleep("nap", Duration.ofMinutes(1));
            return "unreachable";
          });

  private final OrchestratorHarness harness = new OrchestratorHarness(registry, EmitTopics.of(List.of(OUT)));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aWorkflowEmitIsWrittenOnceWithItsHeadersEvenThoughTheRunReplaysPastIt() {
    harness.request("r1", "ship", "o-1");
    harness.settle();

    List<TestRecord<String, byte[]>> first = harness.emitted(OUT);
    assertThat(first).hasSize(1);
    assertThat(first.get(0).key()).isEqualTo("o-1");
    assertThat(PayloadCodec.decode(PayloadCodec.rawJson(first.get(0).value()), Shipped.class)).isEqualTo(new Shipped("o-1", 2));
    assertThat(header(first.get(0), Emits.RUN_ID_HEADER)).isEqualTo("r1");
    assertThat(header(first.get(0), Emits.EMIT_HEADER)).isEqualTo("$emit:1");
    assertThat(header(first.get(0), "source")).isEqualTo("test");

    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofSeconds(30));

    assertThat(passes).as("the workflow code ran again after the sleep").hasValue(2);
    List<TestRecord<String, byte[]>> second = harness.emitted(OUT);
    assertThat(second).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("done");
    assertThat(header(second.get(0), Emits.EMIT_HEADER)).isEqualTo("$emit:2");
    assertThat(harness.results()).extracting(WorkflowResult::getStatus).containsExactly(RunStatus.COMPLETED);
  }

  @Test
  void aStepsRecordsAreWrittenWithItsSuccessOnlyAndAFailedAttemptsAreDropped() {
    harness.request("r1", "quote", "o-2");
    harness.runExecutions();
    harness.deliverOutcomes();
    assertThat(quoteAttempts).hasValue(1);
    assertThat(harness.emitted(OUT)).as("the failed attempt's record is dropped").isEmpty();

    harness.advanceWallClock(Duration.ofSeconds(2)); // the retry is due
    harness.runExecutions();
    assertThat(quoteAttempts).hasValue(2);
    assertThat(harness.emitted(OUT)).as("nothing is written before the orchestrator journals the success").isEmpty();

    harness.deliverOutcomes();
    List<TestRecord<String, byte[]>> written = harness.emitted(OUT);
    assertThat(written).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("quote from attempt 2");
    assertThat(header(written.get(0), Emits.EMIT_HEADER)).isEqualTo("$emit:quote:0");
    harness.settle();
    assertThat(harness.results()).extracting(r -> PayloadCodec.decode(r.getOutput(), String.class)).containsExactly("quoted by attempt 2");
    assertThat(harness.emitted(OUT)).isEmpty();
  }

  @Test
  void aDuplicateStepOutcomeWritesNothingMoreEvenIfItEmittedOtherOrMoreRecords() {
    harness.request("r1", "pick", "o-3");
    harness.runExecutions();
    List<StepOutcome> published = harness.deliverOutcomes();
    assertThat(published).hasSize(1);
    StepOutcome original = published.get(0);
    List<String> written = values(harness.emitted(OUT));
    assertThat(written).hasSize(2);

    // the same outcome delivered again, and what a re-execution of the step that passed the fence would
    // send: another result with three other records (the fence normally stops it first)
    harness.deliver(original);
    harness.deliver(reExecuted(original, List.of("other-1", "other-2", "other-3")));

    assertThat(harness.emitted(OUT)).isEmpty();
    assertThat(journal("r1", "$emit:pick:2")).as("the extra record is not journaled either").isNull();
    assertThat(harness.events()).filteredOn(e -> e.getType() == AuditEventType.DUPLICATE_OUTCOME).isNotEmpty();

    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofSeconds(30));
    WorkflowResult result = harness.results().get(0);
    assertThat(PayloadCodec.decode(result.getOutput(), Picks.class).values())
        .as("what was written is what the run's result says the step returned").isEqualTo(written);
  }

  @Test
  void anEmitToAnUndeclaredTopicFailsTheRunNamingTheRunTheTopicAndTheBuilderMethod() {
    harness.request("r1", "undeclared", "o-4");
    harness.settle();

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getType()).isEqualTo(IllegalArgumentException.class.getName());
    assertThat(result.getError().getMessage()).contains("run r1", "'no.such.topic'", "emitTopics(\"no.such.topic\")", "--emit-topic");
  }

  @Test
  void anEmitToAnUndeclaredTopicInAStepFailsThatAttempt() {
    harness.request("r1", "undeclared-in-step", "o-5");
    harness.settle();

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getStep()).isEqualTo("send");
    assertThat(result.getError().getMessage()).contains("run r1", "'no.such.topic'", "emitTopics(");
  }

  @Test
  void anEmitEntryForATopicNoLongerDeclaredIsDeadLetteredAndAuditedNotWritten() {
    harness.request("r1", "ship", "o-6");
    harness.runExecutions();
    StepOutcome outcome = harness.publisher.drain().get(0);
    List<JournalEntry> entries = new ArrayList<>();
    for (JournalEntry e : outcome.getEntries()) {
      if (e.getKind() == EntryKind.EMIT) {
        EmittedRecord r = Emits.recorded(e);
        r.setTopic("retired.topic"); // journaled by an engine that still declared it
        e = JournalEntry.newBuilder(e).setValue(PayloadCodec.encode(r)).build();
      }
      entries.add(e);
    }
    harness.deliver(StepOutcome.newBuilder(outcome).setEntries(entries).build());

    assertThat(harness.emitted("retired.topic")).isEmpty();
    assertThat(harness.emitted(OUT)).isEmpty();
    var letters = harness.deadLetterRecords();
    assertThat(letters).hasSize(1);
    var letter = OrchestratorHarness.decode(letters.get(0));
    assertThat(letter.getErrorType()).isEqualTo(EmitSink.NOT_DECLARED);
    assertThat(letter.getRunId()).isEqualTo("r1");
    assertThat(letter.getErrorMessage()).contains("run r1", "'retired.topic'", "not written");
    List<AuditEvent> events = harness.events();
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.INPUT_REJECTED)
        .singleElement().satisfies(e -> assertThat(e.getDetail()).contains(EmitSink.NOT_DECLARED, "retired.topic"));
    assertThat(events).extracting(AuditEvent::getType).contains(AuditEventType.RUN_WAITING); // the run goes on
  }

  @Test
  void aReplayThatEmitsAnotherRecordAtAJournaledPositionParksTheRunAndWritesNothing() {
    harness.request("r1", "changes-its-emit", "o-7");
    harness.settle();
    assertThat(values(harness.emitted(OUT))).containsExactly("pass 1");

    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofSeconds(30));

    assertThat(harness.emitted(OUT)).isEmpty();
    AuditEvent parked = harness.events().stream().filter(e -> e.getType() == AuditEventType.RUN_PARKED).findFirst().orElseThrow();
    assertThat(parked.getDetail()).contains("NON_DETERMINISM", "$emit:1", "different value");
    assertThat(harness.results()).isEmpty();
  }

  @Test
  void stepEmitNamesNameTheirStepWhateverItContainsAndWorkflowEmitNamesNone() {
    assertThat(Emits.stepOf("$emit:3")).isNull();
    assertThat(Emits.stepOf("$emit:charge:0")).isEqualTo("charge");
    assertThat(Emits.stepOf("$emit:a:b:12")).isEqualTo("a:b");
    assertThat(Emits.stepOf("compensate:x")).isNull();
  }

  private StepOutcome reExecuted(StepOutcome original, List<String> otherValues) {
    JournalEntry step = original.getEntries().stream().filter(e -> e.getKind() == EntryKind.STEP).findFirst().orElseThrow();
    List<JournalEntry> entries = new ArrayList<>();
    entries.add(JournalEntry.newBuilder(step).setValue(PayloadCodec.encode(new Picks(otherValues))).setRecordedAt(step.getRecordedAt() + 1).build());
    for (int i = 0; i < otherValues.size(); i++) {
      EmittedRecord r = EmittedRecord.newBuilder().setTopic(OUT).setKey("o-3")
          .setValue(ByteBuffer.wrap(otherValues.get(i).getBytes(StandardCharsets.UTF_8))).setHeaders(Map.of()).build();
      entries.add(JournalEntry.newBuilder(step).setName("$emit:pick:" + i).setKind(EntryKind.EMIT).setValue(PayloadCodec.encode(r)).build());
    }
    return StepOutcome.newBuilder(original).setEntries(entries).setCompletion(null).build();
  }

  private JournalEntry journal(String runId, String name) {
    return harness.<String, JournalEntry>store(OrchestratorTopology.JOURNAL_STORE).get(runId + '\u0000' + name);
  }

  private static List<String> values(List<TestRecord<String, byte[]>> records) {
    return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
  }

  private static String header(TestRecord<String, byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
