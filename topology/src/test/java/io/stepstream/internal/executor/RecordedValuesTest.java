package io.stepstream.internal.executor;

import static io.stepstream.internal.executor.ExecutionFixture.journalOf;
import static io.stepstream.internal.executor.ExecutionFixture.last;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recorded values ({@code now}, {@code randomUUID}) by name and by position, and step values that
 * are the same on first execution as on replay.
 */
@Timeout(10)
class RecordedValuesTest {
  private final ExecutionFixture fixture = new ExecutionFixture();
  private final AtomicInteger executed = new AtomicInteger();

  @Test
  void namedValuesAreJournaledUnderTheirNamesAndReplayed() {
    Workflow<String, String> named = (ctx, in) -> ctx.now("started") + " " + ctx.randomUUID("order-id");
    StepOutcome first = last(fixture.run(named, Map.of()));
    Map<String, JournalEntry> journal = journalOf(List.of(first));

    StepOutcome replayed = last(fixture.run(named, journal));

    assertThat(journal).containsOnlyKeys("started", "order-id");
    assertThat(journal.get("started").getKind()).isEqualTo(EntryKind.NOW);
    assertThat(journal.get("order-id").getKind()).isEqualTo(EntryKind.RANDOM_UUID);
    assertThat(replayed.getCompletion().getOutput()).isEqualTo(first.getCompletion().getOutput());
  }

  @Test
  void aNamedValueAddedBeforeJournaledEntriesShiftsNothing() {
    Workflow<String, String> before = (ctx, in) -> ctx.step("a", String.class, s -> "a") + " " + ctx.randomUUID();
    Workflow<String, String> after = (ctx, in) -> ctx.now("new-call") + " " + ctx.step("a", String.class, s -> "a") + " " + ctx.randomUUID();
    StepOutcome first = last(fixture.run(before, Map.of()));
    String uuid = PayloadCodec.decode(first.getCompletion().getOutput(), String.class).split(" ")[1];

    StepOutcome replayed = last(fixture.run(after, journalOf(List.of(first))));

    assertThat(replayed.getCompletion().getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(replayed.getCompletion().getOutput(), String.class)).endsWith(" a " + uuid);
  }

  @Test
  void namedValuesShareTheRunsNamesWithStepsAndFollowTheirRules() {
    Workflow<String, String> clash = (ctx, in) -> ctx.now("x") + ctx.step("x", String.class, s -> "x");
    Workflow<String, String> reserved = (ctx, in) -> ctx.randomUUID("$uuid:1").toString();

    var clashed = last(fixture.run(clash, Map.of())).getCompletion();
    var refused = last(fixture.run(reserved, Map.of())).getCompletion();

    assertThat(clashed.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(clashed.getError().getMessage()).contains("'x' twice");
    assertThat(refused.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(refused.getError().getMessage()).contains("'$uuid:1'").contains("must not start with '$'");
  }

  @Test
  void everyEntryAnExecutionWritesCarriesTheUnnamedValuesTakenBeforeIt() {
    Workflow<String, String> mixed =
        (ctx, in) -> {
          ctx.now();
          ctx.step("a", String.class, s -> "a");
          ctx.randomUUID();
          ctx.now("named");
          return ctx.step("b", String.class, s -> "b");
        };

    Map<String, JournalEntry> journal = journalOf(fixture.run(mixed, Map.of()));

    assertThat(journal.get("$now:1").getUnnamedValuesBefore()).isEqualTo(0);
    assertThat(journal.get("a").getUnnamedValuesBefore()).isEqualTo(1);
    assertThat(journal.get("$uuid:1").getUnnamedValuesBefore()).isEqualTo(1);
    assertThat(journal.get("named").getUnnamedValuesBefore()).isEqualTo(2);
    assertThat(journal.get("b").getUnnamedValuesBefore()).isEqualTo(2);
  }

  @Test
  void anUnnamedValueAddedBeforeJournaledEntriesParksTheRunInsteadOfShiftingLaterValues() {
    Workflow<String, String> before =
        (ctx, in) -> ctx.now() + " " + ctx.step("a", String.class, s -> "a" + executed.incrementAndGet()) + " " + ctx.now();
    Workflow<String, String> after =
        (ctx, in) -> {
          Instant added = ctx.now(); // a new unnamed call: takes $now:1, and the old first call now takes $now:2
          return added + " " + ctx.now() + " " + ctx.step("a", String.class, s -> "a" + executed.incrementAndGet()) + " " + ctx.now();
        };
    Map<String, JournalEntry> journal = journalOf(fixture.run(before, Map.of()));

    List<StepOutcome> outcomes = fixture.run(after, journal);

    var completion = last(outcomes).getCompletion();
    assertThat(completion.getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(completion.getError().getType()).isEqualTo("NON_DETERMINISM");
    assertThat(completion.getError().getMessage())
        .contains("run-1").contains("'a'").contains("after 1 unnamed").contains("now reaches it after 2")
        .contains("ctx.now(\"name\")").contains("version the code").contains("`stepstream resume run-1`");
    assertThat(executed).hasValue(1);
  }

  @Test
  void anUnnamedValueRemovedBeforeAFailedAttemptParksTheRun() {
    fixture.retry(RetryPolicy.builder().maximumAttempts(3).build());
    Workflow<String, String> before =
        (ctx, in) -> ctx.randomUUID() + ctx.step("flaky", String.class, s -> { throw new java.io.IOException("try again"); });
    Workflow<String, String> after = (ctx, in) -> ctx.step("flaky", String.class, s -> "fine");
    Map<String, JournalEntry> journal = journalOf(fixture.run(before, Map.of()));
    assertThat(journal).containsKey("flaky@1");

    var completion = last(fixture.clock(Clock.fixed(Instant.parse("2026-01-02T00:00:00Z"), ZoneOffset.UTC)).run(after, journal)).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(completion.getError().getMessage()).contains("'flaky@1'").contains("after 1 unnamed").contains("after 0");
  }

  @Test
  void swappingUnnamedCallsIsDetectedAtTheFirstRecordedValue() {
    Workflow<String, String> before = (ctx, in) -> ctx.now() + " " + ctx.randomUUID();
    Workflow<String, String> after = (ctx, in) -> ctx.randomUUID() + " " + ctx.now();
    Map<String, JournalEntry> journal = journalOf(fixture.run(before, Map.of()));

    var completion = last(fixture.run(after, journal)).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(completion.getError().getMessage()).contains("'$uuid:1'");
  }

  @Test
  void journalsWrittenBeforeTheCountExistedKeepReplaying() {
    Workflow<String, String> before = (ctx, in) -> ctx.step("a", String.class, s -> "a") + " " + ctx.now();
    Workflow<String, String> after = (ctx, in) -> ctx.now() + " " + ctx.step("a", String.class, s -> "a" + executed.incrementAndGet()) + " " + ctx.now();
    Map<String, JournalEntry> journal = new HashMap<>(journalOf(fixture.run(before, Map.of())));
    journal.values().forEach(e -> e.setUnnamedValuesBefore(-1)); // as an entry of an older version decodes

    var completion = last(fixture.run(after, journal)).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(executed).hasValue(0);
  }

  @Test
  void aStepReturnsWhatReplayWillReturnAlsoTheFirstTime() {
    Workflow<String, String> generic =
        (ctx, in) -> {
          @SuppressWarnings("rawtypes")
          List list = ctx.step("list", List.class, s -> List.of(new ReplayContextTest.Greeting("hi")));
          return list.get(0).getClass().getName();
        };
    StepOutcome first = last(fixture.run(generic, Map.of()));

    StepOutcome replayed = last(fixture.run(generic, journalOf(List.of(first))));

    assertThat(PayloadCodec.decode(first.getCompletion().getOutput(), String.class)).isEqualTo("java.util.LinkedHashMap");
    assertThat(replayed.getCompletion().getOutput()).isEqualTo(first.getCompletion().getOutput());
  }

  /** Jackson writes it (a getter) but cannot build it back (no creator). */
  static final class WriteOnly {
    private final String value;

    WriteOnly(String value) {
      this.value = value;
    }

    public String getValue() {
      return value;
    }
  }

  @Test
  void aStepResultThatDoesNotReadBackFailsTheStepAtOnceNamingStepAndType() {
    fixture.retry(RetryPolicy.builder().maximumAttempts(5).build());
    Workflow<String, String> opaque = (ctx, in) -> ctx.step("make", WriteOnly.class, s -> new WriteOnly("v" + executed.incrementAndGet())).getValue();

    List<StepOutcome> outcomes = fixture.run(opaque, Map.of());

    assertThat(executed).hasValue(1); // not retried: it would not read back the next time either
    JournalEntry failed = outcomes.get(0).getEntries().get(0);
    assertThat(failed.getName()).isEqualTo("make");
    assertThat(failed.getSucceeded()).isFalse();
    assertThat(failed.getError().getType()).isEqualTo("RESULT_NOT_DECODABLE");
    assertThat(failed.getError().getMessage()).contains("step 'make'").contains("run-1").contains(WriteOnly.class.getName()).contains("record");
    assertThat(last(outcomes).getCompletion().getStatus()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void recordedTimeKeepsItsPrecisionSoTheFirstValueEqualsTheReplayedOne() {
    Clock nanos = Clock.fixed(Instant.parse("2026-01-01T00:00:00.123456789Z"), ZoneOffset.UTC);
    Workflow<String, String> time = (ctx, in) -> ctx.now().toString() + " " + ctx.now("t");
    StepOutcome first = last(fixture.clock(nanos).run(time, Map.of()));

    StepOutcome replayed = last(fixture.clock(ExecutionFixture.CLOCK).run(time, journalOf(List.of(first))));

    assertThat(PayloadCodec.decode(first.getCompletion().getOutput(), String.class))
        .isEqualTo("2026-01-01T00:00:00.123456789Z 2026-01-01T00:00:00.123456789Z");
    assertThat(replayed.getCompletion().getOutput()).isEqualTo(first.getCompletion().getOutput());
  }

  @Test
  void anEventValueIsTheSameOnFirstResolutionAsOnReplay() {
    Workflow<String, String> waits = (ctx, in) -> ctx.awaitEvent("e", Map.class, Duration.ofHours(1)).toString();
    var signal = io.stepstream.avro.Signal.newBuilder().setRunId("run-1").setName("e")
        .setPayload(PayloadCodec.encode(Map.of("k", 1))).setSentAt(0).build();
    JournalEntry buffered = JournalEntry.newBuilder().setRunId("run-1").setName("$signal:e:1").setKind(EntryKind.SIGNAL)
        .setSucceeded(true).setValue(PayloadCodec.encode(signal)).setGeneration(1).setRecordedAt(0).build();
    List<StepOutcome> firstOutcomes = fixture.run(waits, Map.of(buffered.getName(), buffered));
    Map<String, JournalEntry> journal = ExecutionFixture.plus(Map.of(buffered.getName(), buffered), firstOutcomes);

    StepOutcome replayed = last(fixture.run(waits, journal));

    assertThat(journal).containsKey("e");
    assertThat(replayed.getCompletion().getOutput()).isEqualTo(last(firstOutcomes).getCompletion().getOutput());
  }
}
