package io.stepstream.internal.orchestrator;

import static io.stepstream.avro.AuditEventType.RESUME_REQUESTED;
import static io.stepstream.avro.AuditEventType.RUN_PARKED;
import static io.stepstream.avro.AuditEventType.RUN_REDISPATCH_DELAYED;
import static io.stepstream.avro.AuditEventType.RUN_RESUMED;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs that cannot go on by themselves: bounded redispatch, parking, resume and cancel of parked runs, timers that fail. */
@Timeout(30)
class PoisonRunsTest {
  private final AtomicInteger executions = new AtomicInteger();

  private final Workflow<String, String> oneStep =
      (ctx, in) -> ctx.step("only", String.class, s -> {
        executions.incrementAndGet();
        return "done " + in;
      });

  private final OrchestratorHarness harness =
      new OrchestratorHarness(new WorkflowRegistry().register("one", String.class, oneStep)
          .register("napper", String.class, (ctx, in) -> {
            ctx.sleep("nap", Duration.ofSeconds(5));
            return "woke";
          }));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aRunWhoseExecutionsKeepEndingWithoutProgressIsRedispatchedWithBackoffThenParked() {
    harness.publisher.failNext(1_000); // e.g. the broker refuses every outcome of this run
    harness.request("r1", "one", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofMillis(500));

    List<AuditEventType> types = harness.eventTypes(harness.events());
    assertThat(types).filteredOn(t -> t == RUN_RESUMED).hasSize(5); // 1 dispatch + 5 redispatches
    assertThat(types).filteredOn(t -> t == RUN_REDISPATCH_DELAYED).hasSize(4);
    assertThat(types).last().isEqualTo(RUN_PARKED);
    assertThat(executions).hasValue(6);
    assertThat(harness.results()).isEmpty();

    harness.advanceAndSettle(Duration.ofMinutes(5), Duration.ofSeconds(1));
    assertThat(executions).as("parked: nothing runs until someone resumes it").hasValue(6);
  }

  @Test
  void aParkedRunContinuesAfterAnOperatorResumesIt() {
    harness.publisher.failNext(6);
    harness.request("r1", "one", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofMillis(500));
    AuditEvent parked = harness.events().stream().filter(e -> e.getType() == RUN_PARKED).findFirst().orElseThrow();
    assertThat(parked.getDetail()).startsWith("REDISPATCH_LIMIT").contains("stepstream resume r1");

    harness.resume("r1");
    harness.settle();

    assertThat(harness.eventTypes(harness.events())).startsWith(RESUME_REQUESTED);
    assertThat(harness.results()).singleElement()
        .satisfies(r -> assertThat(PayloadCodec.decode(r.getOutput(), String.class)).isEqualTo("done x"));
  }

  @Test
  void resumingARunThatIsNotParkedIsRejected() {
    harness.request("r1", "one", "x");
    harness.settle();
    harness.events();

    harness.resume("r1");

    assertThat(harness.events()).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo(AuditEventType.RESUME_REJECTED);
      assertThat(e.getDetail()).contains("COMPLETED, not PARKED");
    });
  }

  @Test
  void aParkedRunCanBeCancelledAndEndsWithOneCancelledResult() {
    harness.publisher.failNext(6);
    harness.request("r1", "one", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofMillis(500));

    harness.cancel("r1", "no longer needed");
    harness.settle();

    assertThat(harness.results()).singleElement().satisfies(r -> {
      assertThat(r.getStatus()).isEqualTo(RunStatus.CANCELLED);
      assertThat(r.getError().getMessage()).contains("cancelled while parked").contains("no longer needed");
    });
  }

  @Test
  void aWaitingRunWhoseWorkflowTypeIsNoLongerRegisteredIsParkedWithThatReasonAndOtherTimersStillFire() {
    harness.request("ok-1", "napper", "x");
    harness.settle();
    long due = harness.clock.millis() + 5_000;
    // state an older deployment left: a run of a type this engine no longer has, due at the same time
    KeyValueStore<String, RunState> runs = harness.store(OrchestratorTopology.RUNS_STORE);
    runs.put("gone-1", RunState.newBuilder().setRunId("gone-1").setWorkflowType("removed-type").setStatus(RunStatus.WAITING)
        .setGeneration(1).setCreatedAt(0).setUpdatedAt(0).setWakeAt(due).setWaitKind("SLEEP").setWaitingFor("sleep 'nap'").build());
    KeyValueStore<Bytes, String> timers = harness.store(OrchestratorTopology.TIMERS_STORE);
    timers.put(TimerStore.key(due, "gone-1"), "gone-1");
    harness.events();

    harness.advanceAndSettle(Duration.ofSeconds(6), Duration.ofMillis(100));

    List<AuditEvent> events = harness.events();
    assertThat(events).filteredOn(e -> e.getType() == RUN_PARKED).singleElement().satisfies(e -> {
      assertThat(e.getRunId()).isEqualTo("gone-1");
      assertThat(e.getDetail()).startsWith("UNKNOWN_WORKFLOW_TYPE").contains("removed-type").doesNotContain("engine bug");
    });
    assertThat(harness.deadLetterRecords()).isEmpty();
    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getRunId()).isEqualTo("ok-1"));
  }

  @Test
  void aCompletedStepRenamedWhileTheRunWaitedIsReportedWhenTheRunEnds() {
    java.util.concurrent.atomic.AtomicBoolean renamed = new java.util.concurrent.atomic.AtomicBoolean();
    try (OrchestratorHarness h = new OrchestratorHarness(new WorkflowRegistry().register("agent", String.class, (ctx, in) -> {
      String c = ctx.step(renamed.get() ? "categorize" : "classify", String.class, s -> "billing");
      ctx.sleep("think", Duration.ofSeconds(1));
      return c;
    }))) {
      h.request("r1", "agent", "x");
      h.settle();
      renamed.set(true); // a deploy while the run sleeps
      h.advanceAndSettle(Duration.ofSeconds(2), Duration.ofMillis(100));

      assertThat(h.events()).filteredOn(e -> e.getType() == AuditEventType.JOURNAL_ENTRIES_UNREACHED).singleElement()
          .satisfies(e -> assertThat(e.getDetail()).contains("[classify]").contains("renamed or removed"));
      assertThat(h.results()).hasSize(1);
    }
  }

  @Test
  void aRunWhoseFinishedExecutionsCompletionIsNeverAppliedIsDispatchedAgainByTheWatchdog() {
    harness.request("r1", "one", "x");
    harness.runExecutions();
    harness.publisher.drain(); // the completion is lost without a trace
    harness.advanceAndSettle(Duration.ofSeconds(50), Duration.ofSeconds(1));
    assertThat(harness.results()).isEmpty();

    harness.advanceAndSettle(Duration.ofMinutes(3), Duration.ofSeconds(1));

    assertThat(harness.events()).filteredOn(e -> e.getType() == RUN_RESUMED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).startsWith("watchdog"));
    assertThat(harness.results()).singleElement()
        .satisfies(r -> assertThat(PayloadCodec.decode(r.getOutput(), String.class)).isEqualTo("done x"));
  }

  @Test
  void aRequestTooLargeForTheRunStateFailsTheRunWithAResultThatSaysSo() {
    try (OrchestratorHarness small = new OrchestratorHarness(new WorkflowRegistry().register("one", String.class, oneStep), null,
        OrchestratorTopology.Settings.defaults().withMaxRecordBytes(10_000))) {
      small.request("big-1", "one", "x".repeat(20_000));
      small.settle();

      assertThat(small.results()).singleElement().satisfies(r -> {
        assertThat(r.getStatus()).isEqualTo(RunStatus.FAILED);
        assertThat(r.getError().getType()).isEqualTo("INPUT_TOO_LARGE");
        assertThat(r.getError().getMessage()).contains("big-1").contains("reference");
      });
      assertThat(executions).hasValue(0);
    }
  }

  @Test
  void aDeadLetterTooLargeToKeepItsOriginalBytesStillArrivesWithTheReason() {
    try (OrchestratorHarness small = new OrchestratorHarness(new WorkflowRegistry().register("one", String.class, oneStep), null,
        OrchestratorTopology.Settings.defaults().withMaxRecordBytes(10_000))) {
      byte[] garbage = new byte[20_000];
      java.util.Arrays.fill(garbage, (byte) 'x');
      small.rawRequest("bad-1", garbage);

      var letters = small.deadLetterRecords();
      assertThat(letters).singleElement().satisfies(l -> {
        assertThat(l.value().length).isLessThan(10_000);
        assertThat(l.headers().lastHeader("stepstream.error.value-omitted")).isNotNull();
        assertThat(OrchestratorHarness.decode(l).getValue()).isNull();
        assertThat(OrchestratorHarness.decode(l).getRunId()).isEqualTo("bad-1");
      });
    }
  }
}
