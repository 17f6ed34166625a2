package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.CancelResult;
import io.stepstream.client.RunHandle;
import io.stepstream.RunResult;
import io.stepstream.engine.Stepstream;
import io.stepstream.Workflow;
import io.stepstream.client.WorkflowClient;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.RunStatus;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.devkafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A run through the real topics: request in, steps on the executor, result out, on a real broker. */
@Timeout(120)
class StepstreamIT {
  record Order(String item, int quantity) {}

  record Receipt(String text, int total) {}

  static final Workflow<Order, Receipt> ORDER =
      (ctx, order) -> {
        String reservation = ctx.step("reserve", String.class, s -> "R-" + order.item());
        int total = ctx.step("price", Integer.class, s -> order.quantity() * 7);
        return ctx.step("receipt", Receipt.class, s -> new Receipt(reservation + " " + s.idempotencyKey(), total));
      };

  static final java.util.concurrent.atomic.AtomicBoolean BROKEN_DEPLOY = new java.util.concurrent.atomic.AtomicBoolean();

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine =
        Stepstream.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .topicPrefix("it")
            .stateDir(dir.resolve("state"))
            .partitions(3)
            .approvalSecret("integration-test-secret")
            .register("order", Order.class, ORDER)
            .register("review", String.class, (ctx, in) -> {
              var a = ctx.awaitApproval("go-live", io.stepstream.ApprovalRequest.of("Publish " + in + "?").approvers("alice"), Duration.ofHours(1));
              return (a.approved() ? "published " : "kept ") + in + " (" + a.approver() + ")";
            })
            .register("wait-payment", String.class, (ctx, in) -> "paid " + ctx.awaitEvent("payment", Integer.class, Duration.ofHours(1)))
            .register("napper", String.class, (ctx, in) -> {
              ctx.sleep("nap", Duration.ofHours(1));
              return "woke";
            })
            .register("flaky", String.class, (ctx, in) -> ctx.step("call", String.class, s -> {
              if (s.attempt() < 2) {
                throw new IllegalStateException("503");
              }
              return "attempt " + s.attempt();
            }), io.stepstream.RetryPolicy.builder().initialInterval(Duration.ofMillis(200)).build())
            .register("boom", String.class, (ctx, in) -> ctx.step("explode", String.class, s -> {
              throw new IllegalStateException("no luck for " + in);
            }), io.stepstream.RetryPolicy.noRetries())
            .register("redeployed", String.class, (ctx, in) -> {
              // a deploy while the run sleeps changes what "prepare" is: the run parks
              if (BROKEN_DEPLOY.get()) {
                ctx.sleep("prepare", Duration.ofMillis(1));
              } else {
                ctx.step("prepare", String.class, s -> "prepared");
              }
              ctx.sleep("nap", Duration.ofSeconds(5));
              return "done " + in;
            })
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aRunParkedByABadDeployGoesOnWhenAnOperatorResumesItAfterTheFix() throws Exception {
    WorkflowClient client = engine.client();
    client.start("redeployed", "redeploy-1", "x");
    await().atMost(Duration.ofSeconds(30)).until(() -> eventTypes("redeploy-1").contains(AuditEventType.RUN_WAITING));
    BROKEN_DEPLOY.set(true);
    await().atMost(Duration.ofSeconds(30)).until(() -> eventTypes("redeploy-1").contains(AuditEventType.RUN_PARKED));

    BROKEN_DEPLOY.set(false); // the fix is deployed
    io.stepstream.ResumeResult answer = client.resume("redeploy-1", Duration.ofSeconds(30));

    assertThat(answer.accepted()).as(answer.detail()).isTrue();
    assertThat(answer.detail()).contains("NON_DETERMINISM");
    assertThat(client.awaitResult("redeploy-1", Duration.ofSeconds(60)).output(String.class)).isEqualTo("done x");
    assertThat(client.resume("redeploy-1", Duration.ofSeconds(30)).accepted()).as("only parked runs resume").isFalse();
  }

  private List<AuditEventType> eventTypes(String runId) {
    return TopicReader.readAll(engine.bootstrapServers(), engine.topics().events()).stream()
        .map(r -> Envelopes.auditEvent(r.value()))
        .filter(e -> e.getRunId().equals(runId))
        .map(AuditEvent::getType)
        .toList();
  }

  @Test
  void aRunGoesFromTheRequestsTopicToTheResultsTopic() {
    RunResult result = engine.client().start("order", "order-1", new Order("book", 3)).await(Duration.ofSeconds(60));

    assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(result.output(Receipt.class)).isEqualTo(new Receipt("R-book order-1/receipt", 21));
    List<AuditEventType> trail = events("order-1");
    assertThat(trail).containsExactly(
        AuditEventType.RUN_STARTED, AuditEventType.STEP_COMPLETED, AuditEventType.STEP_COMPLETED,
        AuditEventType.STEP_COMPLETED, AuditEventType.RUN_COMPLETED);
  }

  @Test
  void manyRunsFinishWithOneResultEach() {
    WorkflowClient client = engine.client();
    List<RunHandle> runs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      runs.add(client.startAsync("order", "many-" + i, new Order("item" + i, i)));
    }
    client.flush();
    for (RunHandle run : runs) {
      assertThat(run.await(Duration.ofSeconds(60)).isCompleted()).isTrue();
    }
    Map<String, Long> resultsPerRun =
        TopicReader.readAll(engine.bootstrapServers(), engine.topics().results()).stream()
            .filter(r -> r.key().startsWith("many-"))
            .collect(Collectors.groupingBy(r -> r.key(), Collectors.counting()));
    assertThat(resultsPerRun).hasSize(200).allSatisfy((run, count) -> assertThat(count).isEqualTo(1));
  }

  @Test
  void aJsonRequestFromAnyProducerStartsARun() throws Exception {
    try (var producer = producer()) {
      producer.send(new ProducerRecord<>(engine.topics().requests(), "json-1",
          "{\"workflowType\":\"order\",\"input\":{\"item\":\"tea\",\"quantity\":2}}".getBytes(StandardCharsets.UTF_8))).get();
    }
    RunResult result = engine.client().awaitResult("json-1", Duration.ofSeconds(60));
    assertThat(result.output(Receipt.class).total()).isEqualTo(14);
  }

  @Test
  void aRequestAsLargeAsTheBrokerAcceptsFailsItsRunClearlyAndLaterRunsStillComplete() throws Exception {
    // 1,048,470 bytes of valid JSON: the broker takes it, but the run state holding it would not fit in a record
    String padding = "x".repeat(1_048_470 - "{\"workflowType\":\"order\",\"input\":{\"item\":\"\",\"quantity\":1}}".length());
    byte[] big = ("{\"workflowType\":\"order\",\"input\":{\"item\":\"" + padding + "\",\"quantity\":1}}").getBytes(StandardCharsets.UTF_8);
    assertThat(big).hasSize(1_048_470);
    try (var producer = new KafkaProducer<String, byte[]>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, engine.bootstrapServers(),
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000), new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(engine.topics().requests(), "huge-1", big)).get();
    }

    RunResult result = engine.client().awaitResult("huge-1", Duration.ofSeconds(60));
    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(result.errorType()).isEqualTo("INPUT_TOO_LARGE");
    assertThat(result.errorMessage()).contains("huge-1").contains("reference");
    assertThat(engine.client().start("order", "after-huge", new Order("pen", 1)).await(Duration.ofSeconds(60)).isCompleted())
        .as("the partition keeps going").isTrue();
  }

  @Test
  void aFailingStepFailsTheRunWithTheStepAndCause() {
    RunResult result = engine.client().start("boom", "boom-1", "ada").await(Duration.ofSeconds(60));

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(result.failedStep()).contains("explode");
    assertThat(result.errorMessage()).contains("no luck for ada");
  }

  @Test
  void undecodableBytesGoToTheDeadLetterTopicAndLaterRunsStillComplete() throws Exception {
    try (var producer = producer()) {
      producer.send(new ProducerRecord<>(engine.topics().requests(), "junk-1", new byte[] {0, 1, 2})).get();
    }
    assertThat(engine.client().start("order", "after-junk", new Order("pen", 1)).await(Duration.ofSeconds(60)).isCompleted())
        .isTrue();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var letters = TopicReader.readAll(engine.bootstrapServers(), engine.topics().deadLetters());
      assertThat(letters).anySatisfy(r -> {
        assertThat(r.key()).isEqualTo("junk-1");
        assertThat(new String(r.headers().lastHeader("stepstream.error.type").value(), StandardCharsets.UTF_8))
            .isEqualTo("UNDECODABLE_REQUEST");
      });
    });
  }

  @Test
  void anUnknownWorkflowTypeIsAFailedResultThatSaysSo() {
    RunResult result = engine.client().start("nope", "nope-1", "x").await(Duration.ofSeconds(60));

    assertThat(result.errorType()).isEqualTo("UNKNOWN_WORKFLOW_TYPE");
    assertThat(result.errorMessage()).contains("'nope'").contains("boom, flaky, napper, order");
  }

  @Test
  void findResultReadsAnOlderResultFromTheTopic() {
    engine.client().start("order", "old-1", new Order("cup", 1)).await(Duration.ofSeconds(60));
    try (WorkflowClient fresh = WorkflowClient.builder().bootstrapServers(engine.bootstrapServers()).topicPrefix("it").build()) {
      assertThat(fresh.findResult("old-1", Duration.ofSeconds(30))).hasValueSatisfying(r -> assertThat(r.isCompleted()).isTrue());
      assertThat(fresh.findResult("never-started", Duration.ofSeconds(30))).isEmpty();
    }
  }

  @Test
  void aFailedStepIsRetriedAfterADurableBackoff() {
    RunResult result = engine.client().start("flaky", "flaky-1", "x").await(Duration.ofSeconds(60));

    assertThat(result.output(String.class)).isEqualTo("attempt 2");
    assertThat(events("flaky-1")).contains(AuditEventType.STEP_ATTEMPT_FAILED, AuditEventType.RETRY_SCHEDULED, AuditEventType.TIMER_FIRED);
  }

  @Test
  void aSleepingRunCanBeCancelledAndCancellingItAgainIsRejected() {
    WorkflowClient client = engine.client();
    client.start("napper", "nap-1", "x");
    await().atMost(Duration.ofSeconds(30)).until(() -> events("nap-1").contains(AuditEventType.RUN_WAITING));

    CancelResult first = client.cancel("nap-1", "not needed any more", Duration.ofSeconds(30));
    RunResult result = client.awaitResult("nap-1", Duration.ofSeconds(60));
    CancelResult second = client.cancel("nap-1", "again", Duration.ofSeconds(30));
    CancelResult unknown = client.cancel("no-such-run", "?", Duration.ofSeconds(30));

    assertThat(first.accepted()).isTrue();
    assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(result.errorMessage()).contains("not needed any more");
    assertThat(second.accepted()).isFalse();
    assertThat(second.detail()).isEqualTo("run nap-1 already ended CANCELLED; nothing to cancel");
    assertThat(unknown.detail()).isEqualTo("no run no-such-run exists; nothing to cancel");
  }

  @Test
  void aJsonCancelCommandFromAnyProducerCancelsARun() throws Exception {
    engine.client().start("napper", "nap-json", "x");
    await().atMost(Duration.ofSeconds(30)).until(() -> events("nap-json").contains(AuditEventType.RUN_WAITING));
    try (var producer = producer()) {
      producer.send(new ProducerRecord<>(engine.topics().requests(), "nap-json",
          "{\"command\":\"cancel\",\"reason\":\"from a console\"}".getBytes(StandardCharsets.UTF_8))).get();
    }
    assertThat(engine.client().awaitResult("nap-json", Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.CANCELLED);
  }

  @Test
  void anApprovalGoesOutOnItsTopicAndTheDecisionComesBackThroughTheApprovalsTopic() {
    WorkflowClient client = engine.client();
    client.start("review", "review-1", "the report");
    await().atMost(Duration.ofSeconds(30)).until(() ->
        client.pendingApprovals(Duration.ofSeconds(10)).stream().anyMatch(p -> p.runId().equals("review-1") && p.approvalName().equals("go-live")));

    client.approve("review-1", "go-live", "alice", "looks good"); // the token is read from the approval request

    assertThat(client.awaitResult("review-1", Duration.ofSeconds(60)).output(String.class)).isEqualTo("published the report (alice)");
    assertThat(client.pendingApprovals(Duration.ofSeconds(10))).noneMatch(p -> p.runId().equals("review-1"));
  }

  @Test
  void aDecisionSentBeforeTheRunAsksIsKeptUntilItDoes() {
    try (WorkflowClient automated =
        WorkflowClient.builder().bootstrapServers(engine.bootstrapServers()).topicPrefix("it").approvalSecret("integration-test-secret").build()) {
      automated.start("review", "review-early", "the slides");
      automated.reject("review-early", "go-live", "alice", "not ready"); // races the run to the wait
      assertThat(automated.awaitResult("review-early", Duration.ofSeconds(60)).output(String.class)).isEqualTo("kept the slides (alice)");
    }
  }

  @Test
  void anEventReachesAWaitingRunThroughTheSignalsTopic() throws Exception {
    WorkflowClient client = engine.client();
    client.start("wait-payment", "pay-1", "x");
    await().atMost(Duration.ofSeconds(30)).until(() -> events("pay-1").contains(AuditEventType.RUN_WAITING));

    try (var producer = producer()) { // JSON from any producer
      producer.send(new ProducerRecord<>(engine.topics().signals(), "pay-1",
          "{\"name\":\"payment\",\"data\":42,\"signalId\":\"psp-9\"}".getBytes(StandardCharsets.UTF_8))).get();
    }

    assertThat(client.awaitResult("pay-1", Duration.ofSeconds(60)).output(String.class)).isEqualTo("paid 42");
  }

  private static List<AuditEventType> events(String runId) {
    return TopicReader.readAll(engine.bootstrapServers(), engine.topics().events()).stream()
        .filter(r -> runId.equals(r.key()))
        .map(r -> Envelopes.auditEvent(r.value()))
        .map(AuditEvent::getType)
        .collect(Collectors.toList());
  }

  private static KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer());
  }
}
