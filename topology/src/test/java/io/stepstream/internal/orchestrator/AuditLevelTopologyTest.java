package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.engine.AuditLevel;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Audit levels: LEAN leaves out routine step successes only; the journal (history) is complete either way. */
@Timeout(30)
class AuditLevelTopologyTest {
  private final AtomicInteger attempts = new AtomicInteger();

  /** Three steps, a recorded time, and a step that fails once before it succeeds (a retry: failure, wait, timer). */
  private final Workflow<String, String> threeSteps = (ctx, in) -> {
    String a = ctx.step("a", String.class, s -> "A");
    ctx.now();
    String b = ctx.step("b", String.class, s -> {
      if (attempts.incrementAndGet() == 1) {
        throw new IllegalStateException("flaky");
      }
      return "B";
    });
    return a + b + ctx.step("c", String.class, s -> "C");
  };

  private OrchestratorHarness harness;

  @AfterEach
  void close() {
    harness.close();
  }

  private List<AuditEventType> runAt(AuditLevel level) {
    harness = new OrchestratorHarness(
        new WorkflowRegistry().register("three", String.class, threeSteps,
            RetryPolicy.builder().maximumAttempts(2).initialInterval(Duration.ofSeconds(1)).jitter(0).build()),
        (java.util.concurrent.Executor) null, OrchestratorTopology.Settings.defaults().withAuditLevel(level));
    harness.request("run-1", "three", "x");
    harness.advanceAndSettle(Duration.ofSeconds(5), Duration.ofMillis(500));
    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.COMPLETED));
    return harness.events().stream().map(AuditEvent::getType).toList();
  }

  private List<String> journalNames() {
    KeyValueStore<String, JournalEntry> journal = harness.store(OrchestratorTopology.JOURNAL_STORE);
    List<String> names = new ArrayList<>();
    try (KeyValueIterator<String, JournalEntry> it = journal.all()) {
      it.forEachRemaining(kv -> names.add(kv.value.getName()));
    }
    return names;
  }

  @Test
  void fullWritesAnEventForEveryStep() {
    List<AuditEventType> events = runAt(AuditLevel.FULL);
    assertThat(events).filteredOn(t -> t == AuditEventType.STEP_COMPLETED).hasSize(3);
    assertThat(events).contains(AuditEventType.RUN_STARTED, AuditEventType.STEP_ATTEMPT_FAILED, AuditEventType.RETRY_SCHEDULED,
        AuditEventType.RUN_COMPLETED);
  }

  @Test
  void leanLeavesOutStepSuccessesButKeepsFailuresRetriesAndTheRunsLifecycle() {
    List<AuditEventType> events = runAt(AuditLevel.LEAN);
    assertThat(events).doesNotContain(AuditEventType.STEP_COMPLETED, AuditEventType.VALUE_RECORDED, AuditEventType.HEARTBEAT);
    assertThat(events).contains(AuditEventType.RUN_STARTED, AuditEventType.STEP_ATTEMPT_FAILED, AuditEventType.RETRY_SCHEDULED,
        AuditEventType.RUN_WAITING, AuditEventType.TIMER_FIRED, AuditEventType.RUN_COMPLETED);
    assertThat(events.get(0)).isEqualTo(AuditEventType.RUN_STARTED);
    assertThat(events.get(events.size() - 1)).isEqualTo(AuditEventType.RUN_COMPLETED);
    assertThat(journalNames()).as("every step is still journaled").contains("a", "b", "c");
  }
}
