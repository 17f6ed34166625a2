package io.stepstream.internal.orchestrator;

import static io.stepstream.avro.AuditEventType.DUPLICATE_OUTCOME;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.Budget;
import io.stepstream.BudgetExceededException;
import io.stepstream.RetryPolicy;
import io.stepstream.Usage;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.StepUsage;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.Results;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.query.RunViews;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Run totals in the orchestrator: result, audit events, metrics, queries; each applied entry counted once (ADR 0018). */
@Timeout(30)
class RunUsageTopologyTest {
  private final AtomicInteger flakyAttempts = new AtomicInteger();

  /** Model calls of 100 in / 50 out tokens under a 250-token budget: the third is refused and the agent answers with what it has. */
  private final Workflow<String, String> agent =
      (ctx, question) -> {
        ctx.budget(Budget.ofTokens(250));
        StringBuilder notes = new StringBuilder();
        try {
          for (int i = 1; i <= 5; i++) {
            notes.append(ctx.step("think-" + i, String.class, s -> {
              s.reportUsage(Usage.tokens(100, 50).withCost(0.01));
              return s.stepName() + ";";
            }));
          }
          return "complete: " + notes;
        } catch (BudgetExceededException e) {
          return "partial: " + notes + " (stopped before " + e.step() + ")";
        }
      };

  /** Two calls with a sleep between them, so an outcome can be delivered twice while the run waits. */
  private final Workflow<String, String> pausing =
      (ctx, in) -> {
        ctx.step("first", String.class, s -> { s.reportUsage(Usage.tokens(10, 1)); return "a"; });
        ctx.sleep("pause", Duration.ofSeconds(5));
        return ctx.step("second", String.class, s -> { s.reportUsage(Usage.tokens(20, 2)); return "b"; });
      };

  /** The first attempt fails after spending, the second succeeds. */
  private final Workflow<String, String> flaky =
      (ctx, in) -> ctx.step("call", String.class, s -> {
        if (flakyAttempts.incrementAndGet() == 1) {
          s.reportUsage(Usage.tokens(30, 0).withCost(0.3));
          throw new IllegalStateException("provider hung up");
        }
        s.reportUsage(Usage.tokens(40, 4).withCost(0.4));
        return "ok";
      });

  private final OrchestratorHarness harness =
      new OrchestratorHarness(
          new WorkflowRegistry()
              .register("agent", String.class, agent)
              .register("pausing", String.class, pausing)
              .register("flaky", String.class, flaky,
                  RetryPolicy.builder().maximumAttempts(3).initialInterval(Duration.ofSeconds(1)).jitter(0).build()));

  @AfterEach
  void close() {
    harness.close();
  }

  private static StepUsage usage(long in, long out, double cost) {
    return StepUsage.newBuilder().setInputTokens(in).setOutputTokens(out).setCost(cost).build();
  }

  @Test
  void anAgentOverItsBudgetReturnsAPartialAnswerAndItsTotalIsInTheResultEventsMetricsAndDescription() {
    harness.request("run-1", "agent", "why is the sky blue?");
    harness.settle();

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(result.getOutput(), String.class)).isEqualTo("partial: think-1;think-2; (stopped before think-3)");
    assertThat(result.getUsage().getInputTokens()).isEqualTo(200);
    assertThat(result.getUsage().getOutputTokens()).isEqualTo(100);
    assertThat(result.getUsage().getCost()).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(Results.toRunResult(result).usage().totalTokens()).isEqualTo(300);

    List<AuditEvent> events = harness.events();
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.STEP_COMPLETED)
        .extracting(AuditEvent::getUsage).containsExactly(usage(100, 50, 0.01), usage(100, 50, 0.01));
    AuditEvent refused = events.stream().filter(e -> e.getType() == AuditEventType.STEP_FAILED).findFirst().orElseThrow();
    assertThat(refused.getStep()).isEqualTo("think-3");
    assertThat(refused.getDetail()).startsWith("BUDGET_EXCEEDED");
    assertThat(refused.getUsage()).isNull();
    AuditEvent finished = events.get(events.size() - 1);
    assertThat(finished.getType()).isEqualTo(AuditEventType.RUN_COMPLETED);
    assertThat(finished.getUsage()).isEqualTo(result.getUsage());

    assertThat(harness.metrics.usageTokens("agent", "input")).isEqualTo(200);
    assertThat(harness.metrics.usageTokens("agent", "output")).isEqualTo(100);
    assertThat(harness.metrics.usageCost("agent")).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-12));

    ObjectNode description = RunViews.description(runState("run-1"), journal("run-1"), "here");
    assertThat(description.get("usage").get("totalTokens").asLong()).isEqualTo(300);
    ObjectNode think1 = RunViews.historyEntry(journal("run-1").get("think-1"));
    assertThat(think1.get("usage").get("inputTokens").asLong()).isEqualTo(100);
    assertThat(RunViews.historyEntry(journal("run-1").get("think-3")).get("usage").isNull()).isTrue();
  }

  @Test
  void anOutcomeDeliveredTwiceIsCountedOnce() {
    harness.request("run-2", "pausing", "x");
    harness.runExecutions();
    List<StepOutcome> published = harness.deliverOutcomes();
    assertThat(runState("run-2").getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(runState("run-2").getUsage()).isEqualTo(usage(10, 1, 0));
    harness.events();

    StepOutcome withFirst = published.stream().filter(o -> o.getEntries().stream().anyMatch(e -> e.getName().equals("first"))).findFirst().orElseThrow();
    // the step's entry once more from the same execution (a producer retry, say)
    harness.deliver(StepOutcome.newBuilder(withFirst)
        .setEntries(withFirst.getEntries().stream().filter(e -> e.getName().equals("first")).toList()).setCompletion(null).build());

    assertThat(harness.eventTypes(harness.events())).containsExactly(DUPLICATE_OUTCOME);
    assertThat(runState("run-2").getUsage()).isEqualTo(usage(10, 1, 0));
    assertThat(harness.metrics.usageTokens("pausing", "input")).isEqualTo(10);

    harness.advanceAndSettle(Duration.ofSeconds(6), Duration.ofSeconds(1));

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(result.getUsage()).isEqualTo(usage(30, 3, 0));
    assertThat(harness.metrics.usageTokens("pausing", "input")).isEqualTo(30);
    assertThat(harness.metrics.usageTokens("pausing", "output")).isEqualTo(3);
  }

  @Test
  void aFailedAttemptsUsageIsInItsEventAndInTheRunsTotal() {
    harness.request("run-3", "flaky", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofSeconds(2), Duration.ofMillis(500));

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(result.getUsage().getInputTokens()).isEqualTo(70);
    assertThat(result.getUsage().getOutputTokens()).isEqualTo(4);
    assertThat(result.getUsage().getCost()).isCloseTo(0.7, org.assertj.core.data.Offset.offset(1e-12));
    List<AuditEvent> events = harness.events();
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.STEP_ATTEMPT_FAILED)
        .extracting(AuditEvent::getUsage).containsExactly(usage(30, 0, 0.3));
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.STEP_COMPLETED)
        .extracting(AuditEvent::getUsage).containsExactly(usage(40, 4, 0.4));
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.RETRY_SCHEDULED).extracting(AuditEvent::getUsage).containsOnlyNulls();
  }

  private RunState runState(String runId) {
    KeyValueStore<String, RunState> runs = harness.store(OrchestratorTopology.RUNS_STORE);
    return runs.get(runId);
  }

  private Map<String, JournalEntry> journal(String runId) {
    KeyValueStore<String, JournalEntry> store = harness.store(OrchestratorTopology.JOURNAL_STORE);
    Map<String, JournalEntry> entries = new HashMap<>();
    try (KeyValueIterator<String, JournalEntry> it = store.all()) {
      it.forEachRemaining(kv -> {
        if (kv.value.getRunId().equals(runId)) {
          entries.put(kv.value.getName(), kv.value);
        }
      });
    }
    return entries;
  }
}
