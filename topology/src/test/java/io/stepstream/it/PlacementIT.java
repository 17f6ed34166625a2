package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunResult;
import io.stepstream.engine.Stepstream;
import io.stepstream.client.WorkflowClient;
import io.stepstream.RunStatus;
import io.stepstream.internal.approvals.ApprovalTokens;
import io.stepstream.devkafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Placement is the client's (issue 9.2, 9.3): requests, events and decisions that a client put on
 * another partition than Java's partitioner would, or sent right after start() so they may be read
 * before the request, each act exactly once. The same with a real librdkafka client is
 * {@code fault/PythonClientIT}.
 */
@Timeout(180)
class PlacementIT {
  private static final int PARTITIONS = 4;
  private static final String SECRET = "placement-test-secret";
  private static final Map<String, AtomicInteger> EFFECTS = new ConcurrentHashMap<>();

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix("placed")
        .stateDir(dir.resolve("state"))
        .partitions(PARTITIONS)
        .approvalSecret(SECRET)
        .register("two-steps", String.class, (ctx, in) -> {
          String a = ctx.step("a", String.class, s -> effect(s.idempotencyKey(), "a(" + in + ")"));
          return ctx.step("b", String.class, s -> effect(s.idempotencyKey(), "b(" + a + ")"));
        })
        .register("pay-then-approve", String.class, (ctx, in) -> {
          Integer paid = ctx.awaitEvent("payment", Integer.class, Duration.ofMinutes(5));
          var approval = ctx.awaitApproval("ship", io.stepstream.ApprovalRequest.of("ship " + in + "?"), Duration.ofMinutes(5));
          return ctx.step("dispatch", String.class, s -> effect(s.idempotencyKey(), "paid " + paid + ", approved by " + approval.approver()));
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
  void requestsEventsAndDecisionsOnForeignPartitionsOrAheadOfTheirRequestEachActOnce() throws Exception {
    ApprovalTokens tokens = ApprovalTokens.withSecret(SECRET.getBytes(StandardCharsets.UTF_8));
    List<String> steps = new ArrayList<>();
    List<String> waits = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = producer();
        WorkflowClient client = WorkflowClient.builder().bootstrapServers(engine.bootstrapServers()).topicPrefix("placed").build()) {
      for (int i = 0; i < 20; i++) {
        String runId = "steps-" + i;
        steps.add(runId);
        producer.send(new ProducerRecord<>("placed.requests", away(runId), runId,
            json("{\"workflowType\":\"two-steps\",\"input\":\"" + i + "\"}")));
      }
      for (int i = 0; i < 20; i++) {
        String runId = "waits-" + i;
        waits.add(runId);
        byte[] signal = json("{\"name\":\"payment\",\"data\":" + (100 + i) + ",\"signalId\":\"psp-" + i + "\"}");
        byte[] decision = json("{\"approvalName\":\"ship\",\"approved\":true,\"approver\":\"alice\",\"token\":\""
            + tokens.sign(runId, "ship", java.time.Instant.now().plus(java.time.Duration.ofHours(1))) + "\"}");
        if (i % 2 == 0) {
          // signal-with-start: event and decision first, on a foreign partition, then the request
          producer.send(new ProducerRecord<>("placed.signals", away(runId), runId, signal));
          producer.send(new ProducerRecord<>("placed.approvals", away(runId), runId, decision));
          producer.flush();
          client.start("pay-then-approve", runId, "parcel-" + i);
        } else {
          client.start("pay-then-approve", runId, "parcel-" + i);
          producer.send(new ProducerRecord<>("placed.signals", away(runId), runId, signal));
          producer.send(new ProducerRecord<>("placed.approvals", away(runId), runId, decision));
        }
      }
      producer.flush();

      for (int i = 0; i < 20; i++) {
        RunResult r = client.awaitResult("steps-" + i, Duration.ofSeconds(60));
        assertThat(r.status()).as("%s", r).isEqualTo(RunStatus.COMPLETED);
        assertThat(r.output(String.class)).isEqualTo("b(a(" + i + "))");
        RunResult w = client.awaitResult("waits-" + i, Duration.ofSeconds(60));
        assertThat(w.status()).as("%s", w).isEqualTo(RunStatus.COMPLETED);
        assertThat(w.output(String.class)).isEqualTo("paid " + (100 + i) + ", approved by alice");
      }
    }
    Map<String, Long> results = TopicReader.readAll(engine.bootstrapServers(), "placed.results").stream()
        .collect(Collectors.groupingBy(r -> r.key(), Collectors.counting()));
    assertThat(results).hasSize(40).allSatisfy((run, n) -> assertThat(n).as(run).isEqualTo(1L));
    assertThat(EFFECTS).hasSize(60).allSatisfy((key, n) -> assertThat(n.get()).as(key).isEqualTo(1));
    assertThat(TopicReader.readAll(engine.bootstrapServers(), "placed.dlq")).isEmpty();
  }

  @Test
  void anEngineRefusesToStartWhenItsInputTopicsHaveDifferentPartitionCounts() throws Exception {
    try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", engine.bootstrapServers()))) {
      admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("skewed.requests", 4, (short) 1),
          new org.apache.kafka.clients.admin.NewTopic("skewed.signals", 2, (short) 1))).all().get();
    }
    Stepstream skewed = Stepstream.builder().bootstrapServers(engine.bootstrapServers()).topicPrefix("skewed")
        .stateDir(dir.resolve("skewed")).partitions(4).approvalSecret(SECRET)
        .register("two-steps", String.class, (ctx, in) -> in).build();

    org.assertj.core.api.Assertions.assertThatThrownBy(skewed::start)
        .hasMessageContaining("skewed.requests has 4 partitions but skewed.signals has 2")
        .hasMessageContaining("same count");
  }

  private static String effect(String idempotencyKey, String value) {
    EFFECTS.computeIfAbsent(idempotencyKey, k -> new AtomicInteger()).incrementAndGet();
    return value;
  }

  /** A partition that is not the run's home (what a librdkafka or Sarama client may well pick). */
  private static int away(String runId) {
    return (BuiltInPartitioner.partitionForKey(runId.getBytes(StandardCharsets.UTF_8), PARTITIONS) + 1) % PARTITIONS;
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, engine.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
  }
}
