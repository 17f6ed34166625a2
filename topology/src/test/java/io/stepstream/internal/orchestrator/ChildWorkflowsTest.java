package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.ChildOptions;
import io.stepstream.ChildWorkflowFailedException;
import io.stepstream.DurableFuture;
import io.stepstream.ParentClosePolicy;
import io.stepstream.Workflow;
import io.stepstream.WorkflowFailure;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Child workflows (WorkflowContext.startChild) on the orchestrator, with virtual time and test-controlled executions. */
@Timeout(60)
class ChildWorkflowsTest {
  /** How often each child's step ran, by child run id. */
  private final Map<String, AtomicInteger> childSteps = new ConcurrentHashMap<>();
  private final AtomicInteger flakyAttempts = new AtomicInteger();
  /** The child type the "switches" workflow starts: changed between passes to simulate a code change. */
  private final java.util.concurrent.atomic.AtomicReference<String> childType = new java.util.concurrent.atomic.AtomicReference<>("slow");

  private final Workflow<Integer, Integer> doubler = (ctx, n) -> {
    String runId = ctx.runId();
    return ctx.step("double", Integer.class, s -> {
      childSteps.computeIfAbsent(runId, k -> new AtomicInteger()).incrementAndGet();
      return n * 2;
    });
  };

  private final Workflow<String, Integer> threeChildren = (ctx, in) -> {
    List<DurableFuture<Integer>> children = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      children.add(ctx.startChild("c-" + i, "doubler", i, Integer.class));
    }
    int sum = 0;
    for (DurableFuture<Integer> child : children) {
      sum += child.get();
    }
    return sum;
  };

  /** Fans out to {@code n} children, at most two at a time. */
  private final Workflow<Integer, Integer> fanOut = (ctx, n) -> {
    List<DurableFuture<Integer>> children = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      children.add(ctx.startChild("c-" + i, "doubler", i, Integer.class, ChildOptions.defaults().maxActiveChildren(2)));
    }
    return children.stream().mapToInt(DurableFuture::get).sum();
  };

  private final Workflow<String, String> catches = (ctx, in) -> {
    try {
      return "got " + ctx.startChild("bad", "fails", "x", String.class).get();
    } catch (ChildWorkflowFailedException e) {
      return "caught " + e.status() + " " + e.errorType() + " of " + e.childRunId() + ": " + e.errorMessage() + " "
          + e.errorDetails().as(Map.class);
    }
  };

  private final Workflow<String, String> lets = (ctx, in) -> ctx.startChild("bad", "fails", "x", String.class).get();

  /** A child that waits a week for an event: still running when its parent is cancelled. */
  private final Workflow<String, String> slow = (ctx, in) -> ctx.awaitEvent("go", String.class, Duration.ofDays(7));

  private final Workflow<String, String> awaitsSlow = (ctx, in) -> ctx.startChild("slow", "slow", in, String.class).get();

  /** Starts two slow children and returns without waiting for them. */
  private final Workflow<String, String> leaves = (ctx, in) -> {
    ctx.startChild("cancelled", "slow", in, String.class);
    ctx.startChild("abandoned", "slow", in, String.class, ChildOptions.defaults().parentClosePolicy(ParentClosePolicy.ABANDON));
    return "left";
  };

  /** Starts a child, then a step that fails once (so the code runs again), then waits for the child. */
  private final Workflow<String, Integer> flaky = (ctx, in) -> {
    DurableFuture<Integer> child = ctx.startChild("c", "doubler", 21, Integer.class);
    ctx.step("flaky", String.class, s -> {
      if (flakyAttempts.incrementAndGet() == 1) {
        throw new IllegalStateException("first attempt fails");
      }
      return "ok";
    });
    return child.get();
  };

  private final Workflow<String, Integer> withStepAfterStart = (ctx, in) -> {
    DurableFuture<Integer> child = ctx.startChild("c", "doubler", 5, Integer.class);
    ctx.step("between", String.class, s -> "between");
    return child.get();
  };

  private final Workflow<String, String> explicitId = (ctx, in) ->
      ctx.startChild("c", "doubler", 4, Integer.class, ChildOptions.defaults().runId(in)).get() + "";

  private final OrchestratorHarness harness =
      new OrchestratorHarness(
          new WorkflowRegistry()
              .register("doubler", Integer.class, doubler)
              .register("three", String.class, threeChildren)
              .register("fan-out", Integer.class, fanOut)
              .register("fails", String.class, (ctx, in) -> {
                throw new WorkflowFailure("BAD_INPUT", "cannot use " + in, Map.of("field", "in"));
              })
              .register("catches", String.class, catches)
              .register("lets", String.class, lets)
              .register("slow", String.class, slow)
              .register("awaits-slow", String.class, awaitsSlow)
              .register("leaves", String.class, leaves)
              .register("flaky", String.class, flaky)
              .register("step-after-start", String.class, withStepAfterStart)
              .register("explicit-id", String.class, explicitId)
              .register("switches", String.class, (ctx, in) -> ctx.startChild("c", childType.get(), in, String.class).get()));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aParentStartsThreeChildrenAndGetsTheirResultsFromItsJournal() {
    harness.request("p", "three", "go");
    harness.settle();

    Map<String, WorkflowResult> results = byRun(harness.results());
    assertThat(results.keySet()).containsExactlyInAnyOrder("p", "p::c-1", "p::c-2", "p::c-3");
    assertThat(results.get("p").getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(results.get("p").getOutput(), Integer.class)).isEqualTo(12);
    assertThat(journalOf("p").values().stream().filter(e -> e.getKind() == EntryKind.CHILD_RESULT).map(JournalEntry::getName))
        .containsExactlyInAnyOrder("c-1", "c-2", "c-3");
    assertThat(run("p::c-2").getParentRunId()).isEqualTo("p");
    assertThat(run("p::c-2").getParentChildName()).isEqualTo("c-2");
  }

  @Test
  void replaysOfTheParentNeverStartAChildAgain() {
    harness.request("p", "three", "go");
    harness.settle();

    List<AuditEvent> events = harness.events();
    // the parent ran more than once (woken per child result), each pass replaying all three starts
    assertThat(events.stream().filter(e -> e.getRunId().equals("p") && e.getType() == AuditEventType.RUN_WAITING).count())
        .isGreaterThanOrEqualTo(1);
    assertThat(events.stream().filter(e -> e.getType() == AuditEventType.RUN_STARTED).map(AuditEvent::getRunId))
        .containsExactlyInAnyOrder("p", "p::c-1", "p::c-2", "p::c-3");
    assertThat(harness.eventTypes(events)).doesNotContain(AuditEventType.DUPLICATE_REQUEST);
    assertThat(events.stream().filter(e -> e.getType() == AuditEventType.CHILD_STARTED).map(AuditEvent::getStep))
        .containsExactlyInAnyOrder("c-1", "c-2", "c-3");
    assertThat(childSteps).containsOnlyKeys("p::c-1", "p::c-2", "p::c-3");
    assertThat(childSteps.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
  }

  @Test
  void childrenBeyondTheLimitAreQueuedAndStartWhenEarlierOnesFinish() {
    harness.request("p", "fan-out", 7);
    int mostActive = 0;
    while (harness.runExecutions() > 0 | !harness.deliverOutcomes().isEmpty()) {
      mostActive = Math.max(mostActive, activeChildrenOf("p"));
    }

    assertThat(mostActive).isEqualTo(2);
    WorkflowResult parent = byRun(harness.results()).get("p");
    assertThat(parent.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(parent.getOutput(), Integer.class)).isEqualTo(2 * (0 + 1 + 2 + 3 + 4 + 5 + 6));
    assertThat(childSteps).hasSize(7);
    assertThat(childSteps.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
  }

  @Test
  void aFailedChildMakesGetThrowAndTheParentMayCatchIt() {
    harness.request("p", "catches", "go");
    harness.settle();

    Map<String, WorkflowResult> results = byRun(harness.results());
    assertThat(results.get("p::bad").getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(results.get("p").getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(results.get("p").getOutput(), String.class))
        .isEqualTo("caught FAILED BAD_INPUT of p::bad: cannot use x {field=in}");
  }

  @Test
  void aChildFailureTheParentDoesNotCatchFailsTheParentNamingTheChild() {
    harness.request("p", "lets", "go");
    harness.settle();

    WorkflowResult parent = byRun(harness.results()).get("p");
    assertThat(parent.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(parent.getError().getType()).isEqualTo(ChildWorkflowFailedException.TYPE);
    assertThat(parent.getError().getMessage()).contains("child 'bad'", "p::bad", "FAILED", "BAD_INPUT", "cannot use x");
    assertThat(PayloadCodec.decode(parent.getError().getDetails(), Map.class))
        .containsEntry("childRunId", "p::bad").containsEntry("errorType", "BAD_INPUT").containsEntry("status", "FAILED");
  }

  @Test
  void aChildOfAnUnknownTypeFailsAndItsParentHearsWhy() {
    try (OrchestratorHarness other = new OrchestratorHarness(new WorkflowRegistry().register("lets", String.class, lets))) {
      other.request("p", "lets", "go");
      other.settle();
      Map<String, WorkflowResult> results = byRun(other.results());
      assertThat(results.get("p::bad").getError().getType()).isEqualTo("UNKNOWN_WORKFLOW_TYPE");
      assertThat(results.get("p").getStatus()).isEqualTo(RunStatus.FAILED);
      assertThat(results.get("p").getError().getMessage()).contains("UNKNOWN_WORKFLOW_TYPE");
    }
  }

  @Test
  void cancellingTheParentCancelsItsUnfinishedChildren() {
    harness.request("p", "awaits-slow", "go");
    harness.settle();
    assertThat(run("p").getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(run("p").getWakeAt()).as("a wait for a child has no deadline").isNull();
    assertThat(run("p::slow").getStatus()).isEqualTo(RunStatus.WAITING);
    harness.results();
    harness.events();

    harness.cancel("p", "no longer needed");
    harness.settle();

    Map<String, WorkflowResult> results = byRun(harness.results());
    assertThat(results.get("p").getStatus()).isEqualTo(RunStatus.CANCELLED);
    assertThat(results.get("p::slow").getStatus()).isEqualTo(RunStatus.CANCELLED);
    List<AuditEvent> events = harness.events();
    assertThat(events).anySatisfy(e -> {
      assertThat(e.getRunId()).isEqualTo("p::slow");
      assertThat(e.getType()).isEqualTo(AuditEventType.CANCEL_REQUESTED);
      assertThat(e.getDetail()).contains("parent run p", "its parent run p ended CANCELLED");
    });
    // the child's CANCELLED result reaches a parent that already ended: recorded as not used, no dead letter
    assertThat(events).anySatisfy(e -> {
      assertThat(e.getRunId()).isEqualTo("p");
      assertThat(e.getType()).isEqualTo(AuditEventType.CHILD_FINISHED);
      assertThat(e.getDetail()).contains("not used");
    });
    assertThat(harness.deadLetterRecords()).isEmpty();
  }

  @Test
  void aParentThatEndsFirstCancelsItsChildrenUnlessTheyWereStartedToBeAbandoned() {
    harness.request("p", "leaves", "go");
    harness.settle();

    Map<String, WorkflowResult> results = byRun(harness.results());
    assertThat(results.get("p").getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(results.get("p::cancelled").getStatus()).isEqualTo(RunStatus.CANCELLED);
    assertThat(results).doesNotContainKey("p::abandoned");
    assertThat(run("p::abandoned").getStatus()).isEqualTo(RunStatus.WAITING);
  }

  @Test
  void aParentThatRunsAgainAfterARetryDoesNotStartItsChildAgain() {
    harness.request("p", "flaky", "go");
    harness.settle();
    harness.advanceAndSettle(Duration.ofSeconds(30), Duration.ofSeconds(1));

    WorkflowResult parent = byRun(harness.results()).get("p");
    assertThat(parent.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(parent.getOutput(), Integer.class)).isEqualTo(42);
    assertThat(flakyAttempts.get()).isEqualTo(2);
    assertThat(childSteps).containsOnlyKeys("p::c");
    assertThat(childSteps.get("p::c").get()).isEqualTo(1);
    assertThat(harness.eventTypes(harness.events())).doesNotContain(AuditEventType.DUPLICATE_REQUEST);
  }

  @Test
  void aParentReExecutedAfterItsOutcomeWasLostStartsTheChildOnce() {
    harness.request("p", "three", "go");
    harness.runExecutions();
    List<StepOutcome> lost = harness.publisher.drain(); // the instance died before they reached the topic
    assertThat(lost).isNotEmpty();

    harness.restartWith(io.stepstream.internal.orchestrator.ApprovalGuard.of(OrchestratorHarness.TOKENS));
    harness.advanceWallClock(Duration.ofSeconds(2)); // resume after assignment: a new execution of p
    harness.settle();
    lost.forEach(harness::deliver); // the dead execution's outcomes, late: fenced
    harness.settle();

    WorkflowResult parent = byRun(harness.results()).get("p");
    assertThat(parent.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(childSteps.values()).hasSize(3).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    List<AuditEvent> events = harness.events();
    assertThat(events.stream().filter(e -> e.getType() == AuditEventType.CHILD_STARTED).count()).isEqualTo(3);
    // the late outcomes are not applied (the run had ended by then)
    assertThat(harness.eventTypes(events)).doesNotContain(AuditEventType.DUPLICATE_REQUEST).contains(AuditEventType.DUPLICATE_OUTCOME);
  }

  @Test
  void aChildResultThatArrivesWhileTheParentStillRunsWakesItWhenItWaits() {
    harness.request("p", "step-after-start", "go");
    harness.runExecutions(); // p: starts c (published before the step), runs 'between', then waits for c
    List<StepOutcome> parentOutcomes = harness.publisher.drain();
    assertThat(parentOutcomes).hasSize(2);

    harness.deliver(parentOutcomes.get(0)); // CHILD_START applied: c starts
    harness.settle(); // c runs and ends; its result is journaled in p, which is still RUNNING
    assertThat(run("p").getStatus()).isEqualTo(RunStatus.RUNNING);
    assertThat(journalOf("p")).containsKey("c");

    harness.deliver(parentOutcomes.get(1)); // p's execution ends WAITING for c: woken at once
    harness.settle();

    WorkflowResult parent = byRun(harness.results()).get("p");
    assertThat(parent.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(parent.getOutput(), Integer.class)).isEqualTo(10);
  }

  @Test
  void aChildRunIdAnotherRunHasFailsTheChildInsteadOfWaitingForever() {
    harness.request("taken", "doubler", 1);
    harness.settle();
    harness.request("p", "explicit-id", "taken");
    harness.settle();

    WorkflowResult parent = byRun(harness.results()).get("p");
    assertThat(parent.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(parent.getError().getMessage()).contains(ChildLinks.RUN_ID_IN_USE, "taken");
  }

  @Test
  void aForgedChildResultForAChildTheRunNeverStartedIsDeadLettered() {
    harness.request("p", "awaits-slow", "go");
    harness.settle();
    WorkflowResult forged = WorkflowResult.newBuilder().setRunId("someone-else").setWorkflowType("slow")
        .setStatus(RunStatus.COMPLETED).setOutput(PayloadCodec.encode("forged")).setStartedAt(0).setFinishedAt(0).build();
    harness.rawSignal("p", io.stepstream.internal.codec.Envelopes.encode(io.stepstream.avro.Signal.newBuilder().setRunId("p")
        .setName("$child:slow").setPayload(PayloadCodec.encode(forged)).setSignalId("x").build()));
    harness.settle();

    assertThat(harness.deadLetterRecords()).singleElement()
        .satisfies(r -> assertThat(OrchestratorHarness.decode(r).getErrorType()).isEqualTo("UNKNOWN_CHILD"));
    assertThat(run("p").getStatus()).isEqualTo(RunStatus.WAITING);
  }

  @Test
  void aChildTheCodeNowStartsAsAnotherTypeParksTheParentNamingTheChild() {
    harness.request("p", "switches", "go");
    harness.settle();
    childType.set("doubler"); // the workflow code changed while the run waited for its child
    harness.signal("p::c", "go", "done", "s-1"); // the child finishes: the parent runs again
    harness.settle();

    RunState parent = run("p");
    assertThat(parent.getStatus()).isEqualTo(RunStatus.PARKED);
    assertThat(parent.getParkedReason()).contains("NON_DETERMINISM", "child 'c'", "p::c", "'slow'", "'doubler'");
  }

  private int activeChildrenOf(String parent) {
    KeyValueStore<String, RunState> runs = harness.store(OrchestratorTopology.RUNS_STORE);
    int n = 0;
    try (var all = runs.all()) {
      while (all.hasNext()) {
        RunState s = all.next().value;
        if (parent.equals(s.getParentRunId()) && !RequestHandler.isFinished(s)) {
          n++;
        }
      }
    }
    return n;
  }

  private RunState run(String runId) {
    return harness.<String, RunState>store(OrchestratorTopology.RUNS_STORE).get(runId);
  }

  private Map<String, JournalEntry> journalOf(String runId) {
    KeyValueStore<String, JournalEntry> journal = harness.store(OrchestratorTopology.JOURNAL_STORE);
    Map<String, JournalEntry> entries = new java.util.HashMap<>();
    try (var all = journal.all()) {
      all.forEachRemaining(kv -> {
        if (kv.value.getRunId().equals(runId)) {
          entries.put(kv.value.getName(), kv.value);
        }
      });
    }
    return entries;
  }

  private static Map<String, WorkflowResult> byRun(List<WorkflowResult> results) {
    return results.stream().collect(Collectors.toMap(WorkflowResult::getRunId, r -> r));
  }
}
