package io.stepstream.internal.executor;

import static io.stepstream.internal.executor.ExecutionFixture.last;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Workflow;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.Signal;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.codec.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A journaled value the current code cannot decode (a DTO changed under a running run) parks the
 * run: it is not failed, nothing runs, no compensation, and the reason says what to do.
 */
@Timeout(10)
class UndecodableJournalTest {
  private final ExecutionFixture fixture = new ExecutionFixture();
  private final AtomicInteger executed = new AtomicInteger();
  private final AtomicInteger compensated = new AtomicInteger();

  /** The new shape of a value that used to be recorded as a JSON array. */
  record Quote(String currency, long cents) {}

  record Order(String item, int quantity) {}

  private final Workflow<String, String> booksThenQuotes =
      (ctx, in) -> {
        String booking = ctx.step("book", String.class, s -> "B-" + executed.incrementAndGet());
        ctx.addCompensation("book", s -> compensated.incrementAndGet());
        Quote quote = ctx.step("quote", Quote.class, s -> new Quote("EUR", executed.incrementAndGet()));
        return booking + " " + quote;
      };

  @Test
  void aJournaledStepValueThatNoLongerDecodesParksTheRunAndRunsNoCompensation() {
    Map<String, JournalEntry> journal = Map.of("book", step("book", json("\"B-1\"")), "quote", step("quote", json("[12, 50]")));

    List<StepOutcome> outcomes = fixture.run(booksThenQuotes, journal);

    assertThat(executed).hasValue(0);
    assertThat(compensated).hasValue(0);
    assertThat(outcomes).hasSize(1);
    assertThat(outcomes.get(0).getEntries()).isEmpty();
    assertParked(outcomes.get(0).getCompletion().getError(), "step 'quote'", Quote.class.getName());
    assertThat(outcomes.get(0).getCompletion().getStatus()).isEqualTo(RunStatus.PARKED);
  }

  @Test
  void aParkTheWorkflowCatchesAndReplacesStillParksTheRunWithoutCompensating() {
    Workflow<String, String> catchesEverything =
        (ctx, in) -> {
          ctx.step("book", String.class, s -> "B-" + executed.incrementAndGet());
          ctx.addCompensation("book", s -> compensated.incrementAndGet());
          try {
            return ctx.step("quote", Quote.class, s -> new Quote("EUR", 1)).toString();
          } catch (RuntimeException e) {
            String fallback = ctx.step("fallback", String.class, s -> "fallback " + executed.incrementAndGet());
            throw new IllegalStateException("gave up after " + fallback, e);
          }
        };
    Map<String, JournalEntry> journal = Map.of("book", step("book", json("\"B-1\"")), "quote", step("quote", json("[12, 50]")));

    List<StepOutcome> outcomes = fixture.run(catchesEverything, journal);

    assertThat(executed).hasValue(0);
    assertThat(compensated).hasValue(0);
    assertThat(last(outcomes).getCompletion().getStatus()).isEqualTo(RunStatus.PARKED);
    assertParked(last(outcomes).getCompletion().getError(), "step 'quote'", Quote.class.getName());
  }

  @Test
  void aParkTheWorkflowSwallowsStillParksTheRun() {
    Workflow<String, String> returnsAnyway =
        (ctx, in) -> {
          try {
            return ctx.step("quote", Quote.class, s -> new Quote("EUR", 1)).toString();
          } catch (RuntimeException e) {
            return "no quote";
          }
        };

    var completion = last(fixture.run(returnsAnyway, Map.of("quote", step("quote", json("[12, 50]"))))).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(completion.getOutput()).isNull();
  }

  @Test
  void anInputThatNoLongerDecodesParksARunThatAlreadyJournaledSomething() {
    Workflow<Order, String> orders = (ctx, order) -> ctx.step("ship", String.class, s -> "shipped " + order.item());
    Map<String, JournalEntry> journal = Map.of("$now:1", step("$now:1", PayloadCodec.encode(java.time.Instant.EPOCH)));
    journal.get("$now:1").setKind(EntryKind.NOW);

    List<StepOutcome> outcomes = fixture.run(Order.class, orders, json("[\"book\", 2]"), journal);

    var completion = last(outcomes).getCompletion();
    assertThat(completion.getStatus()).isEqualTo(RunStatus.PARKED);
    assertParked(completion.getError(), "the run's input", Order.class.getName());
  }

  @Test
  void anInputThatNeverDecodedFailsTheRunAsInvalidInput() {
    Workflow<Order, String> orders = (ctx, order) -> ctx.step("ship", String.class, s -> "shipped " + order.item());
    // an event stored before the run started is no sign that an execution ever read the input
    JournalEntry early = step("$signal:go:1", PayloadCodec.encode(Signal.newBuilder().setRunId("run-1").setName("go").setSentAt(0).build()));
    early.setKind(EntryKind.SIGNAL);

    var completion = last(fixture.run(Order.class, orders, json("[\"book\", 2]"), Map.of(early.getName(), early))).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getType()).isEqualTo("INVALID_INPUT");
    assertThat(completion.getError().getMessage()).contains("run-1").contains(Order.class.getName()).contains("'wf'");
  }

  @Test
  void aJournaledEventThatNoLongerDecodesParksTheRun() {
    Workflow<String, String> waits = (ctx, in) -> ctx.awaitEvent("paid", Quote.class, Duration.ofHours(1)).toString();
    Signal paid = Signal.newBuilder().setRunId("run-1").setName("paid").setPayload(json("[12, 50]")).setSentAt(0).build();
    JournalEntry resolution = step("paid", PayloadCodec.encode(paid));
    resolution.setKind(EntryKind.SIGNAL);

    var completion = last(fixture.run(waits, Map.of("paid", resolution))).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.PARKED);
    assertParked(completion.getError(), "event 'paid'", Quote.class.getName());
  }

  @Test
  void aBufferedEventOfAnotherShapeIsSkippedLikeANonMatchingOne() {
    Workflow<String, String> waits = (ctx, in) -> ctx.awaitEvent("paid", Quote.class, Duration.ofHours(1)).toString();
    JournalEntry wrongShape = bufferedEvent("$signal:paid:1", json("[12, 50]"), 1);
    JournalEntry rightShape = bufferedEvent("$signal:paid:2", PayloadCodec.encode(new Quote("EUR", 1250)), 2);

    List<StepOutcome> outcomes = fixture.run(waits, Map.of(wrongShape.getName(), wrongShape, rightShape.getName(), rightShape));

    var completion = last(outcomes).getCompletion();
    assertThat(completion.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(completion.getOutput(), String.class)).isEqualTo(new Quote("EUR", 1250).toString());
  }

  private static void assertParked(ErrorInfo error, String entry, String type) {
    assertThat(error.getType()).isEqualTo("UNDECODABLE_JOURNAL");
    assertThat(error.getMessage())
        .contains("run run-1")
        .contains(entry)
        .contains(type)
        .contains("fix the type or restore the old code")
        .contains("`stepstream resume run-1`");
  }

  private static Payload json(String text) {
    return PayloadCodec.rawJson(text.getBytes(StandardCharsets.UTF_8));
  }

  private static JournalEntry bufferedEvent(String name, Payload payload, long at) {
    Signal signal = Signal.newBuilder().setRunId("run-1").setName("paid").setPayload(payload).setSentAt(at).build();
    JournalEntry e = step(name, PayloadCodec.encode(signal));
    e.setKind(EntryKind.SIGNAL);
    e.setRecordedAt(at);
    return e;
  }

  private static JournalEntry step(String name, Payload value) {
    return JournalEntry.newBuilder()
        .setRunId("run-1").setName(name).setKind(EntryKind.STEP).setSucceeded(true)
        .setValue(value).setGeneration(1).setRecordedAt(0).build();
  }
}
