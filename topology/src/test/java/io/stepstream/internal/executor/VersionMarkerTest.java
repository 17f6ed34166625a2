package io.stepstream.internal.executor;

import static io.stepstream.internal.executor.ExecutionFixture.journalOf;
import static io.stepstream.internal.executor.ExecutionFixture.last;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.NonDeterminismException;
import io.stepstream.Workflow;
import io.stepstream.WorkflowContext;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.codec.PayloadCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ctx.version: new runs take the newest code path, runs that passed the marker before it existed keep the old one. */
@Timeout(10)
class VersionMarkerTest {
  private final ExecutionFixture fixture = new ExecutionFixture();

  /** v1 of a workflow: classify, then answer. */
  private static final Workflow<String, String> V1 =
      (ctx, in) -> {
        String c = ctx.step("classify", String.class, s -> "billing");
        return ctx.step("answer", String.class, s -> "answer for " + c);
      };

  /** v2: a fraud check between the two, only for runs that reach that point under v2. */
  private static final Workflow<String, String> V2 =
      (ctx, in) -> {
        String c = ctx.step("classify", String.class, s -> "billing");
        String checked = "";
        if (ctx.version("fraud-check", WorkflowContext.DEFAULT_VERSION, 1) >= 1) {
          checked = ctx.step("fraud-check", String.class, s -> " (checked)");
        }
        return ctx.step("answer", String.class, s -> "answer for " + c) + checked;
      };

  @Test
  void aNewRunRecordsTheNewestVersionAndTakesItsPath() {
    List<StepOutcome> outcomes = fixture.run(V2, Map.of());

    assertThat(output(outcomes)).isEqualTo("answer for billing (checked)");
    JournalEntry marker = journalOf(outcomes).get("$version:fraud-check");
    assertThat(PayloadCodec.decode(marker.getValue(), Integer.class)).isEqualTo(1);
  }

  @Test
  void aRunThatPassedThePointUnderTheOldCodeKeepsTheOldPath() {
    Map<String, JournalEntry> v1Journal = journalOf(fixture.run(V1, Map.of()));

    List<StepOutcome> replayedOnV2 = fixture.run(V2, v1Journal);

    assertThat(output(replayedOnV2)).isEqualTo("answer for billing");
    assertThat(last(replayedOnV2).getCompletion().getReason()).as("no step left unreached").isNull();
    assertThat(PayloadCodec.decode(journalOf(replayedOnV2).get("$version:fraud-check").getValue(), Integer.class))
        .isEqualTo(WorkflowContext.DEFAULT_VERSION);
  }

  @Test
  void aRunThatStoppedBeforeThePointUnderTheOldCodeTakesTheNewPath() {
    Map<String, JournalEntry> v1Journal = journalOf(fixture.run(V1, Map.of()));
    v1Journal.remove("answer"); // it had only classified when the engine was upgraded

    assertThat(output(fixture.run(V2, v1Journal))).isEqualTo("answer for billing (checked)");
  }

  @Test
  void aRecordedVersionTheCodeNoLongerSupportsParksTheRunNamingTheChange() {
    Map<String, JournalEntry> v1Journal = journalOf(fixture.run(V1, Map.of()));
    Workflow<String, String> v3 =
        (ctx, in) -> {
          ctx.step("classify", String.class, s -> "billing");
          ctx.version("fraud-check", 1, 2); // the old path was deleted
          return ctx.step("answer", String.class, s -> "x");
        };

    List<StepOutcome> outcomes = fixture.run(v3, v1Journal);

    assertThat(last(outcomes).getCompletion().getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(last(outcomes).getCompletion().getError().getType()).isEqualTo(NonDeterminismException.TYPE);
    assertThat(last(outcomes).getCompletion().getError().getMessage())
        .contains("run-1", "version 0 of change 'fraud-check'", "supports versions 1 to 2", "stepstream resume run-1");
  }

  private static String output(List<StepOutcome> outcomes) {
    return PayloadCodec.decode(last(outcomes).getCompletion().getOutput(), String.class);
  }
}
