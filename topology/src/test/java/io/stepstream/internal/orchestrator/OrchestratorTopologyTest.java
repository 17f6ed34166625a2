package io.stepstream.internal.orchestrator;

import static io.stepstream.avro.AuditEventType.DUPLICATE_OUTCOME;
import static io.stepstream.avro.AuditEventType.DUPLICATE_REQUEST;
import static io.stepstream.avro.AuditEventType.RUN_COMPLETED;
import static io.stepstream.avro.AuditEventType.RUN_FAILED;
import static io.stepstream.avro.AuditEventType.RUN_RESUMED;
import static io.stepstream.avro.AuditEventType.RUN_STARTED;
import static io.stepstream.avro.AuditEventType.STALE_OUTCOME;
import static io.stepstream.avro.AuditEventType.STEP_COMPLETED;
import static io.stepstream.avro.AuditEventType.STEP_FAILED;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.Workflow;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The orchestrator topology in a TopologyTestDriver: what it writes for each input and interleaving. */
@Timeout(30)
class OrchestratorTopologyTest {
  record Order(String item, int quantity) {}

  record Receipt(String text) {}

  private final ConcurrentHashMap<String, AtomicInteger> executions = new ConcurrentHashMap<>();

  private final Workflow<Order, Receipt> threeSteps =
      (ctx, order) -> {
        String reserved = ctx.step("reserve", String.class, s -> count(s.stepName(), "reserved " + order.item()));
        Integer price = ctx.step("price", Integer.class, s -> count(s.stepName(), order.quantity() * 10));
        return ctx.step("receipt", Receipt.class, s -> count(s.stepName(), new Receipt(reserved + " for " + price)));
      };

  private final OrchestratorHarness harness =
      new OrchestratorHarness(
          new WorkflowRegistry()
              .register("order", Order.class, threeSteps)
              .register("failing", String.class, (ctx, in) -> ctx.step("explode", String.class, s -> {
                throw new IllegalArgumentException("tool returned 500");
              }), RetryPolicy.noRetries()));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aRequestRunsEveryStepAndPublishesOneResult() {
    harness.request("run-1", "order", new Order("book", 2));
    harness.settle();

    List<WorkflowResult> results = harness.results();
    assertThat(results).hasSize(1);
    assertThat(results.get(0).getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(results.get(0).getOutput(), Receipt.class)).isEqualTo(new Receipt("reserved book for 20"));
    assertThat(harness.eventTypes(harness.events()))
        .containsExactly(RUN_STARTED, STEP_COMPLETED, STEP_COMPLETED, STEP_COMPLETED, RUN_COMPLETED);
  }

  @Test
  void aDuplicateOutcomeIsIgnoredAndCounted() {
    harness.request("run-1", "order", new Order("book", 1));
    harness.runExecutions();
    List<StepOutcome> outcomes = harness.deliverOutcomes();
    harness.events();

    harness.deliver(outcomes.get(0)); // e.g. a producer retry after a lost ack, or a zombie

    assertThat(harness.eventTypes(harness.events())).containsExactly(DUPLICATE_OUTCOME);
    assertThat(harness.metrics.duplicateOutcomes).hasValue(1);
    assertThat(harness.results()).hasSize(1);
  }

  @Test
  void anOutcomeOfAnotherExecutionIsStaleEvenWhenItCarriesTheCurrentGenerationNumber() {
    // after a crash rolls the run state back, a new dispatch reuses the dead dispatch's generation
    // number; the dead execution's outcomes are still on the step-outcomes topic
    harness.request("run-1", "order", new Order("book", 1)); // generation 1 dispatched, not yet run
    harness.events();
    JournalEntry foreign = JournalEntry.newBuilder().setRunId("run-1").setName("reserve").setKind(io.stepstream.avro.EntryKind.STEP)
        .setSucceeded(true).setValue(PayloadCodec.encode("reserved by a dead execution")).setGeneration(1).setRecordedAt(0).build();

    harness.deliver(StepOutcome.newBuilder().setRunId("run-1").setGeneration(1).setExecutionId("a-dead-execution")
        .setEntries(List.of(foreign)).build());
    harness.settle();

    assertThat(harness.eventTypes(harness.events()))
        .containsExactly(STALE_OUTCOME, STEP_COMPLETED, STEP_COMPLETED, STEP_COMPLETED, RUN_COMPLETED);
    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), Receipt.class)).isEqualTo(new Receipt("reserved book for 10"));
  }

  @Test
  void aSecondRequestWithTheSameRunIdStartsNothing() {
    harness.request("run-1", "order", new Order("book", 1));
    harness.settle();
    harness.events();

    harness.request("run-1", "order", new Order("car", 9));
    harness.settle();

    var events = harness.events();
    assertThat(harness.eventTypes(events)).containsExactly(DUPLICATE_REQUEST);
    assertThat(events.get(0).getDetail()).contains("already exists (COMPLETED)");
    assertThat(harness.results()).hasSize(1);
    assertThat(executions.get("reserve")).hasValue(1);
  }

  @Test
  void anUnknownWorkflowTypeGivesAFailedResultThatSaysSo() {
    harness.request("run-1", "no-such-type", "x");
    harness.settle();

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getType()).isEqualTo("UNKNOWN_WORKFLOW_TYPE");
    assertThat(result.getError().getMessage()).contains("'no-such-type'").contains("registered: failing, order");
  }

  @Test
  void aStepThatThrowsFailsTheRunWithAResultNamingTheStep() {
    harness.request("run-1", "failing", "x");
    harness.settle();

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getStep()).isEqualTo("explode");
    assertThat(result.getError().getMessage()).contains("tool returned 500");
    assertThat(harness.eventTypes(harness.events())).containsExactly(RUN_STARTED, STEP_FAILED, RUN_FAILED);
  }

  @Test
  void anUndecodableRequestGoesToTheDeadLetterTopicAndProcessingContinues() {
    harness.rawRequest("bad-1", new byte[] {1, 2, 3, 4});
    harness.request("run-2", "order", new Order("pen", 1));
    harness.settle();

    var letters = harness.deadLetterRecords();
    assertThat(letters).hasSize(1);
    assertThat(header(letters.get(0).headers().lastHeader("stepstream.error.type"))).isEqualTo("UNDECODABLE_REQUEST");
    assertThat(header(letters.get(0).headers().lastHeader("stepstream.error.topic"))).isEqualTo("t.requests");
    assertThat(header(letters.get(0).headers().lastHeader("stepstream.error.offset"))).isEqualTo("0");
    assertThat(header(letters.get(0).headers().lastHeader("stepstream.error.partition"))).isNotEmpty();
    assertThat(OrchestratorHarness.decode(letters.get(0)).getValue().array()).containsExactly(1, 2, 3, 4);
    assertThat(harness.results()).extracting(WorkflowResult::getRunId).containsExactly("run-2");
  }

  @Test
  void aJsonRequestFromAConsoleProducerStartsARun() {
    harness.rawRequest("run-json", utf8("{\"workflowType\":\"order\",\"input\":{\"item\":\"tea\",\"quantity\":3}}"));
    harness.settle();

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getRunId()).isEqualTo("run-json");
    assertThat(PayloadCodec.decode(result.getOutput(), Receipt.class)).isEqualTo(new Receipt("reserved tea for 30"));
  }

  @Test
  void aJsonRequestWithoutAKeyIsRekeyedByItsRunId() {
    harness.rawRequest(null, utf8("{\"runId\":\"run-k\",\"workflowType\":\"order\",\"input\":{\"item\":\"a\",\"quantity\":1}}"));

    var rekeyed = harness.rekeyedRequests();
    assertThat(rekeyed).hasSize(1);
    assertThat(rekeyed.get(0).key()).isEqualTo("run-k");
  }

  @Test
  void aRequestWithNeitherKeyNorRunIdIsDeadLettered() {
    harness.rawRequest(null, utf8("{\"workflowType\":\"order\"}"));

    var letters = harness.deadLetterRecords();
    assertThat(header(letters.get(0).headers().lastHeader("stepstream.error.type"))).isEqualTo("MISSING_RUN_ID");
    assertThat(header(letters.get(0).headers().lastHeader("stepstream.error.message"))).contains("set the key to the run id");
  }

  @Test
  void anOutcomeForAnUnknownRunIsDeadLettered() {
    harness.rawOutcome("ghost", utf8("garbage"));

    assertThat(header(harness.deadLetterRecords().get(0).headers().lastHeader("stepstream.error.type")))
        .isEqualTo("UNDECODABLE_OUTCOME");
  }

  @Test
  void anExecutionThatCouldNotPublishIsRedispatchedAndItsLateOutcomesAreStale() {
    harness.request("run-1", "order", new Order("book", 1));
    harness.publisher.failNext(1); // the first publish (step "reserve") fails ambiguously
    harness.runExecutions();
    assertThat(harness.deliverOutcomes()).isEmpty();

    harness.advanceWallClock(Duration.ofMillis(200)); // the tick redispatches under generation 2
    harness.settle();

    var events = harness.events();
    assertThat(harness.eventTypes(events))
        .containsExactly(RUN_STARTED, RUN_RESUMED, STEP_COMPLETED, STEP_COMPLETED, STEP_COMPLETED, RUN_COMPLETED);
    assertThat(events.get(2).getGeneration()).isEqualTo(2);
    assertThat(harness.results()).hasSize(1);

    // an outcome of generation 1 arriving now (a zombie) changes nothing
    harness.deliver(StepOutcome.newBuilder().setRunId("run-1").setGeneration(1).setEntries(List.of()).build());
    assertThat(harness.eventTypes(harness.events())).containsExactly(DUPLICATE_OUTCOME);
  }

  @Test
  void outcomesOfASupersededGenerationAreIgnoredWhileTheRunIsActive() {
    harness.request("run-1", "order", new Order("book", 1));
    harness.publisher.failNext(1);
    harness.runExecutions(); // generation 1 abandoned
    harness.advanceWallClock(Duration.ofMillis(200)); // generation 2 dispatched, not yet run

    harness.deliver(StepOutcome.newBuilder().setRunId("run-1").setGeneration(1).setEntries(List.of()).build());

    assertThat(harness.eventTypes(harness.events())).containsExactly(RUN_STARTED, RUN_RESUMED, STALE_OUTCOME);
    assertThat(harness.metrics.staleOutcomes).hasValue(1);
  }

  @Test
  void aRunStartedByThisTaskIsNotResumedByItsStartUpScanEvenIfItsExecutionAlreadyEnded() {
    harness.request("run-1", "order", new Order("book", 1));
    harness.runExecutions(); // ended, outcomes published but not yet applied

    harness.advanceWallClock(Duration.ofSeconds(2)); // past the resume delay

    assertThat(harness.eventTypes(harness.events())).containsExactly(RUN_STARTED);
    harness.deliverOutcomes();
    assertThat(harness.results()).hasSize(1);
    assertThat(harness.metrics.staleOutcomes).hasValue(0);
  }

  @Test
  void revokingThePartitionCancelsItsExecutionsSoTheyPublishNothing() {
    harness.request("run-1", "order", new Order("book", 1));

    harness.close(); // the task closes, as on revocation
    harness.runExecutions(); // the execution gets a thread only now

    assertThat(harness.publisher.drain()).isEmpty();
    assertThat(executions).isEmpty();
  }

  @Test
  void aTaskThatMigratesWhileProcessingARecordIsClosedByKafkaStreamsInsteadOfDeadLetteringTheRecord() {
    try (OrchestratorHarness migrating =
        new OrchestratorHarness(new WorkflowRegistry().register("order", Order.class, threeSteps), task -> {
          throw new org.apache.kafka.streams.errors.TaskMigratedException("the producer was fenced");
        })) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> migrating.request("run-1", "order", new Order("book", 1)))
          .satisfies(e -> assertThat(rootOrSelf(e)).isInstanceOf(org.apache.kafka.streams.errors.TaskMigratedException.class));

      assertThat(migrating.deadLetterRecords()).isEmpty();
    }
  }

  private static Throwable rootOrSelf(Throwable e) {
    Throwable t = e;
    while (!(t instanceof org.apache.kafka.streams.errors.TaskMigratedException) && t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  @Test
  void anUnexpectedEngineErrorOnOneRecordDeadLettersItAndTheNextRecordIsProcessed() {
    java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.Queue<Runnable> later = new java.util.ArrayDeque<>();
    try (OrchestratorHarness broken =
        new OrchestratorHarness(new WorkflowRegistry().register("order", Order.class, threeSteps), task -> {
          if (fail.getAndSet(false)) {
            throw new java.util.concurrent.RejectedExecutionException("executor is shutting down");
          }
          later.add(task);
        })) {
      broken.request("run-1", "order", new Order("book", 1));
      broken.request("run-2", "order", new Order("pen", 1));

      var letters = broken.deadLetterRecords();
      assertThat(letters).hasSize(1);
      assertThat(header(letters.get(0).headers().lastHeader("stepstream.error.type"))).isEqualTo("ENGINE_ERROR");
      assertThat(header(letters.get(0).headers().lastHeader("stepstream.error.message"))).contains("executor is shutting down");
      assertThat(later).hasSize(1); // run-2 was dispatched

      broken.advanceWallClock(Duration.ofMillis(100)); // run-1 is not left stuck: dispatched again
      assertThat(later).hasSize(2);
      assertThat(broken.eventTypes(broken.events())).contains(RUN_RESUMED);
    }
  }

  private <T> T count(String step, T value) {
    executions.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
    return value;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String header(Header h) {
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
