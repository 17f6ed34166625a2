package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Terminate, restart from a step, resume of all parked runs (ADR 0016), on TopologyTestDriver. */
@Timeout(30)
class AdminCommandsTest {
  private final Map<String, AtomicInteger> ran = new ConcurrentHashMap<>();
  private final AtomicBoolean cFails = new AtomicBoolean(true);
  /** "Deployed code": what step c returns (a restart runs the current one). */
  private volatile String cVersion = "v1";

  private final Workflow<String, String> abc = (ctx, in) -> {
    String a = ctx.step("a", String.class, s -> count("a", "A"));
    String b = ctx.step("b", String.class, s -> count("b", "B"));
    String c = ctx.step("c", String.class, StepOptions.retry(RetryPolicy.noRetries()), s -> {
      count("c", "");
      if (cFails.get()) {
        throw new IllegalStateException("c is broken");
      }
      return "C-" + cVersion;
    });
    return a + b + c;
  };

  private final OrchestratorHarness harness = new OrchestratorHarness(new WorkflowRegistry()
      .register("abc", String.class, abc)
      .register("napper", String.class, (ctx, in) -> {
        ctx.sleep("nap", Duration.ofMinutes(5));
        return "woke";
      })
      .register("one", String.class, (ctx, in) -> ctx.step("only", String.class, s -> count("only", "done")))
      .register("ask", String.class, (ctx, in) -> {
        ctx.step("draft", String.class, s -> count("draft", "d"));
        io.stepstream.Approval ok = ctx.awaitApproval("ok", io.stepstream.ApprovalRequest.of("ok?"), Duration.ofHours(1));
        return ok.approved() ? "approved" : "rejected";
      }));

  @AfterEach
  void close() {
    harness.close();
  }

  private String count(String step, String value) {
    ran.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
    return value;
  }

  private int ran(String step) {
    AtomicInteger n = ran.get(step);
    return n == null ? 0 : n.get();
  }

  private static RunCommand command(String runId, RunCommandType type, String id) {
    return RunCommand.newBuilder().setRunId(runId).setCommandId(id).setType(type).setRequestedBy("ops-alice").setReason("test").build();
  }

  private RunState state(String runId) {
    KeyValueStore<String, RunState> runs = harness.store(OrchestratorTopology.RUNS_STORE);
    return runs.get(runId);
  }

  private List<String> journalNames(String runId) {
    KeyValueStore<String, JournalEntry> journal = harness.store(OrchestratorTopology.JOURNAL_STORE);
    List<String> names = new java.util.ArrayList<>();
    try (var all = journal.prefixScan(runId + RunStore.SEPARATOR, new org.apache.kafka.common.serialization.StringSerializer())) {
      all.forEachRemaining(kv -> names.add(kv.value.getName()));
    }
    return names;
  }

  private static AuditEvent only(List<AuditEvent> events, AuditEventType type) {
    return events.stream().filter(e -> e.getType() == type).reduce((x, y) -> {
      throw new AssertionError("more than one " + type + ": " + events);
    }).orElseThrow(() -> new AssertionError("no " + type + " in " + events));
  }

  // ---- terminate --------------------------------------------------------------------------------

  @Test
  void terminatingARunningRunEndsItAtOnceAndTheOutcomeItsExecutionStillPublishesIsStale() {
    harness.request("t1", "one", "x");
    harness.runExecutions(); // the step ran; its outcome is in flight, not yet applied
    harness.events();

    harness.command("t1", command("t1", RunCommandType.TERMINATE, "cmd-t1"));
    harness.deliverOutcomes();

    List<AuditEvent> events = harness.events();
    assertThat(only(events, AuditEventType.TERMINATE_REQUESTED).getDetail()).contains("by ops-alice").contains("while RUNNING");
    AuditEvent terminated = only(events, AuditEventType.RUN_TERMINATED);
    assertThat(terminated.getCommandId()).isEqualTo("cmd-t1");
    assertThat(terminated.getDetail()).contains("no compensations");
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.STALE_OUTCOME).isNotEmpty()
        .allSatisfy(e -> assertThat(e.getDetail()).contains("TERMINATED"));
    assertThat(harness.results()).singleElement().satisfies(r -> {
      assertThat(r.getStatus()).isEqualTo(RunStatus.TERMINATED);
      assertThat(r.getError().getType()).isEqualTo("TERMINATED");
    });
    assertThat(state("t1").getStatus()).isEqualTo(RunStatus.TERMINATED);
  }

  @Test
  void terminatingAWaitingRunDropsItsTimerSoItNeverWakes() {
    harness.request("w1", "napper", "x");
    harness.settle();
    assertThat(state("w1").getStatus()).isEqualTo(RunStatus.WAITING);
    harness.events();

    harness.command("w1", command("w1", RunCommandType.TERMINATE, "cmd-w1"));
    harness.advanceAndSettle(Duration.ofMinutes(6), Duration.ofMinutes(1));

    List<AuditEvent> events = harness.events();
    assertThat(events).extracting(AuditEvent::getType).contains(AuditEventType.RUN_TERMINATED).doesNotContain(AuditEventType.TIMER_FIRED);
    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.TERMINATED));
  }

  @Test
  void terminatingAParkedRunEndsIt() {
    harness.publisher.failNext(6); // parked by the redispatch bound
    harness.request("p1", "one", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofMillis(500));
    assertThat(state("p1").getStatus()).isEqualTo(RunStatus.PARKED);

    harness.command("p1", command("p1", RunCommandType.TERMINATE, "cmd-p1"));
    harness.settle();

    assertThat(only(harness.events(), AuditEventType.RUN_TERMINATED).getDetail()).contains("while PARKED").contains("REDISPATCH_LIMIT");
    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.TERMINATED));
  }

  @Test
  void terminatingAnUnknownOrFinishedRunIsRejectedWithTheCommandId() {
    harness.request("done", "one", "x");
    harness.settle();
    harness.events();
    harness.results();

    harness.command("nope", command("nope", RunCommandType.TERMINATE, "cmd-a"));
    harness.command("done", command("done", RunCommandType.TERMINATE, "cmd-b"));

    List<AuditEvent> events = harness.events();
    assertThat(events).extracting(AuditEvent::getType).containsExactly(AuditEventType.TERMINATE_REJECTED, AuditEventType.TERMINATE_REJECTED);
    assertThat(events.get(0).getDetail()).contains("no run nope");
    assertThat(events.get(1).getDetail()).contains("already ended COMPLETED");
    assertThat(events).extracting(AuditEvent::getCommandId).containsExactly("cmd-a", "cmd-b");
    assertThat(harness.results()).isEmpty();
  }

  // ---- restart ----------------------------------------------------------------------------------

  @Test
  void restartingAFailedRunFromAStepKeepsEarlierStepsAndRunsTheRestWithTheCurrentCode() {
    harness.request("r1", "abc", "x");
    harness.settle();
    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.FAILED));
    assertThat(journalNames("r1")).contains("a", "b", "c");

    cFails.set(false); // the fix is deployed
    cVersion = "v2";
    RunCommand restart = command("r1", RunCommandType.RESTART, "cmd-r1");
    restart.setFromStep("b");
    harness.command("r1", restart);
    harness.settle();

    AuditEvent requested = only(harness.events(), AuditEventType.RESTART_REQUESTED);
    assertThat(requested.getCommandId()).isEqualTo("cmd-r1");
    assertThat(requested.getDetail()).contains("'b'").contains("by ops-alice").contains("while FAILED").contains("2 journal entries removed");
    assertThat(ran("a")).as("a was recorded before b: kept, not run again").isEqualTo(1);
    assertThat(ran("b")).isEqualTo(2);
    assertThat(ran("c")).isEqualTo(2);
    assertThat(harness.results()).singleElement().satisfies(r -> {
      assertThat(r.getStatus()).isEqualTo(RunStatus.COMPLETED);
      assertThat(PayloadCodec.decode(r.getOutput(), String.class)).isEqualTo("ABC-v2");
    });
  }

  @Test
  void restartFromAStepRemovesThatStepAndEverythingRecordedAfterItButNothingBefore() {
    harness.request("r2", "abc", "x");
    harness.settle();
    KeyValueStore<String, JournalEntry> journal = harness.store(OrchestratorTopology.JOURNAL_STORE);
    long aSequence = journal.get("r2" + RunStore.SEPARATOR + "a").getSequence();
    assertThat(journal.get("r2" + RunStore.SEPARATOR + "b").getSequence()).isGreaterThan(aSequence);

    Map<String, JournalEntry> entries = new java.util.HashMap<>();
    try (var all = journal.prefixScan("r2" + RunStore.SEPARATOR, new org.apache.kafka.common.serialization.StringSerializer())) {
      all.forEachRemaining(kv -> entries.put(kv.value.getName(), kv.value));
    }
    AdminCommands.Cut cut = AdminCommands.cutOf(entries.values(), "b");
    assertThat(entries.values()).filteredOn(cut::removes).extracting(JournalEntry::getName).containsExactlyInAnyOrder("b", "c");
    assertThat(AdminCommands.cutOf(entries.values(), "a")).satisfies(
        c -> assertThat(entries.values()).filteredOn(c::removes).extracting(JournalEntry::getName).containsExactlyInAnyOrder("a", "b", "c"));
  }

  @Test
  void restartFromAStepTheRunNeverRecordedIsRejectedNamingTheStepsThatExist() {
    harness.request("r3", "abc", "x");
    harness.settle();
    harness.events();
    harness.results();

    RunCommand restart = command("r3", RunCommandType.RESTART, "cmd-r3");
    restart.setFromStep("charge");
    harness.command("r3", restart);
    harness.settle();

    AuditEvent rejected = only(harness.events(), AuditEventType.RESTART_REJECTED);
    assertThat(rejected.getDetail()).contains("no step 'charge'").contains("a, b, c");
    assertThat(rejected.getCommandId()).isEqualTo("cmd-r3");
    assertThat(harness.results()).isEmpty();
    assertThat(ran("a")).isEqualTo(1);
  }

  @Test
  void restartOfARunningRunIsRejected() {
    harness.request("r4", "one", "x");
    harness.events();
    RunCommand restart = command("r4", RunCommandType.RESTART, "cmd-r4");
    restart.setFromStep("only");
    harness.command("r4", restart);

    assertThat(only(harness.events(), AuditEventType.RESTART_REJECTED).getDetail()).contains("is RUNNING");
  }

  @Test
  void restartingARunWaitingForAnApprovalWithdrawsThePendingRequestAndAsksAgain() {
    harness.request("q1", "ask", "x");
    harness.settle();
    assertThat(state("q1").getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(harness.approvalRequests()).hasSize(1);

    RunCommand restart = command("q1", RunCommandType.RESTART, "cmd-q1");
    restart.setFromStep("draft");
    harness.command("q1", restart);
    harness.settle();

    assertThat(ran("draft")).isEqualTo(2);
    List<io.stepstream.avro.ApprovalRequest> published = harness.approvalRequestsAndResolutions();
    assertThat(published).extracting(io.stepstream.avro.ApprovalRequest::getResolution).containsExactly("RESTARTED", null);
    assertThat(state("q1").getStatus()).isEqualTo(RunStatus.WAITING);
    harness.decide(harness.decision("q1", "ok", true, "alice").build());
    harness.settle();
    assertThat(harness.results()).singleElement()
        .satisfies(r -> assertThat(PayloadCodec.decode(r.getOutput(), String.class)).isEqualTo("approved"));
  }

  @Test
  void aSecondDecisionAndADecisionForAnEndedRunAreAuditedAsIgnoredButNotDeadLettered() {
    harness.request("q2", "ask", "x");
    harness.settle();
    harness.decide(harness.decision("q2", "ok", true, "alice").build());
    harness.decide(harness.decision("q2", "ok", false, "bob").build()); // already decided
    harness.settle();
    harness.decide(harness.decision("q2", "ok", false, "carol").build()); // the run has ended

    assertThat(harness.events()).filteredOn(e -> e.getType() == AuditEventType.DECISION_IGNORED)
        .extracting(e -> e.getDetail().substring(0, e.getDetail().indexOf(':')))
        .containsExactly("ALREADY_DECIDED", "RUN_FINISHED");
    assertThat(harness.deadLetterRecords()).isEmpty();
  }

  @Test
  void aDecisionWithABadTokenIsStillDeadLettered() {
    harness.request("q3", "ask", "x");
    harness.settle();
    harness.decide(harness.decision("q3", "ok", true, "alice").setToken("v1.bogus").build());

    assertThat(harness.deadLetterRecords()).singleElement()
        .satisfies(r -> assertThat(new String(r.headers().lastHeader("stepstream.error.type").value())).isEqualTo("BAD_TOKEN"));
  }

  // ---- resume parked (bulk) ---------------------------------------------------------------------

  @Test
  void resumeParkedResumesEveryParkedRunOfTheTypeAndAuditsEachAndTheCommand() {
    harness.publisher.failNext(12); // two runs, each parked after 6 dispatches without progress
    harness.request("p1", "one", "x");
    harness.request("p2", "one", "y");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofMillis(500));
    assertThat(state("p1").getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(state("p2").getStatus()).isEqualTo(RunStatus.PARKED);
    harness.request("w1", "napper", "x"); // waiting, not parked: left alone
    harness.settle();
    harness.events();

    RunCommand bulk = RunCommand.newBuilder().setRunId("").setCommandId("bulk-1").setType(RunCommandType.RESUME_PARKED)
        .setWorkflowType("one").setRequestedBy("ops-alice").build();
    harness.command("$resume-parked:0", bulk);
    harness.settle();

    List<AuditEvent> events = harness.events();
    AuditEvent once = only(events, AuditEventType.RESUME_PARKED_REQUESTED);
    assertThat(once.getCommandId()).isEqualTo("bulk-1");
    assertThat(once.getDetail()).contains("2 parked here").contains("of type one");
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.RESUME_REQUESTED)
        .extracting(AuditEvent::getRunId).containsExactlyInAnyOrder("p1", "p2");
    assertThat(harness.results()).extracting(WorkflowResult::getRunId).containsExactlyInAnyOrder("p1", "p2");
    assertThat(state("w1").getStatus()).isEqualTo(RunStatus.WAITING);
  }

  // ---- parked runs: cancel and resume (the existing commands) ----------------------------------

  @Test
  void aRunParkedWhileBeingCancelledCanStillBeCancelled() {
    harness.publisher.failNext(6);
    harness.request("pc", "one", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofMillis(500));
    RunState parked = state("pc");
    parked.setCancelRequested(true); // as if cancel had been requested before it parked
    harness.<String, RunState>store(OrchestratorTopology.RUNS_STORE).put("pc", parked);
    harness.events();

    harness.cancel("pc", "give up");
    harness.settle();

    assertThat(harness.events()).extracting(AuditEvent::getType).contains(AuditEventType.RUN_CANCELLED)
        .doesNotContain(AuditEventType.CANCEL_REJECTED);
    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.CANCELLED));
  }
}
