package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.CancelResult;
import io.stepstream.PendingApproval;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.WireFormat;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSON mode on a real broker: an engine writing JSON, a {@link WorkflowClient} writing JSON, and a
 * plain {@code KafkaConsumer<String, String>} that knows nothing of Stepstream reading what the
 * engine wrote with Jackson alone. Also: JSON and the default format mix (a JSON client with a
 * default engine). The records read by the plain consumer are kept in target/wire-examples/ (the
 * examples in docs/clients.md, "Encodings", come from there).
 */
@Timeout(240)
class JsonWireFormatIT {
  record Question(String question) {}

  record Reply(String reply) {}

  record Refund(String customer, int amount) {}

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream jsonEngine;
  static Stepstream defaultEngine;
  static WorkflowClient jsonClient;
  static WorkflowClient jsonClientOfDefaultEngine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    jsonEngine = engine("json", WireFormat.JSON);
    defaultEngine = engine("dflt", null);
    jsonClient = client("json");
    jsonClientOfDefaultEngine = client("dflt");
  }

  private static Stepstream engine(String prefix, WireFormat format) {
    Stepstream.Builder b = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(prefix)
        .stateDir(dir.resolve("state-" + prefix))
        .partitions(2)
        .approvalSecret("json-it-secret-0123456")
        .register("support", Question.class, (ctx, q) -> ctx.step("answer", Reply.class, s -> new Reply("about '" + q.question() + "': shipped")))
        .register("refund", Refund.class, (ctx, r) -> {
          Approval a = ctx.awaitApproval("refund-review", ApprovalRequest.of("Refund " + r.amount() + " to " + r.customer()).details(r),
              Duration.ofHours(1));
          return new Reply(a.approved() ? "refunded " + a.edited(Refund.class).orElse(r).amount() + " (" + a.approver() + ")" : "refused");
        })
        .register("payment", String.class, (ctx, order) -> new Reply(order + " paid " + ctx.awaitEvent("paid", Integer.class, Duration.ofHours(1))));
    if (format != null) {
      b.wireFormat(format);
    }
    return b.build().start();
  }

  private static WorkflowClient client(String prefix) {
    return WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(prefix).wireFormat(WireFormat.JSON).build();
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {jsonClient, jsonClientOfDefaultEngine, jsonEngine, defaultEngine, kafka}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void aJsonClientAndAJsonEngineStartRunsGetResultsListApprovalsDecideSignalAndCancel() {
    assertThat(jsonClient.start("support", "j-support-1", new Question("where is my order?")).await(Duration.ofSeconds(60))
        .output(Reply.class).reply()).isEqualTo("about 'where is my order?': shipped");

    decideAndSignal(jsonClient, "j");
  }

  @Test
  void aJsonClientTalksToAnEngineInTheDefaultFormat() {
    assertThat(jsonClientOfDefaultEngine.start("support", "d-support-1", new Question("hi")).await(Duration.ofSeconds(60))
        .output(Reply.class).reply()).isEqualTo("about 'hi': shipped");

    decideAndSignal(jsonClientOfDefaultEngine, "d");
  }

  /** Approval listed and decided with changes, an event sent, a cancel answered: every input a client writes. */
  private static void decideAndSignal(WorkflowClient client, String prefix) {
    var refund = client.start("refund", prefix + "-refund-1", new Refund("ada", 210));
    PendingApproval pending = awaitPending(client, prefix + "-refund-1");
    assertThat(pending.details()).isEqualTo("{\"customer\":\"ada\",\"amount\":210}");
    client.decide(prefix + "-refund-1", "refund-review", true, "alice", List.of(), "ok, less", null, new Refund("ada", 200));
    assertThat(refund.await(Duration.ofSeconds(60)).output(Reply.class).reply()).isEqualTo("refunded 200 (alice)");

    var payment = client.start("payment", prefix + "-pay-1", "order-7");
    client.signal(prefix + "-pay-1", "paid", 42);
    assertThat(payment.await(Duration.ofSeconds(60)).output(Reply.class).reply()).isEqualTo("order-7 paid 42");

    client.start("refund", prefix + "-refund-2", new Refund("bob", 5));
    awaitPending(client, prefix + "-refund-2");
    CancelResult cancelled = client.cancel(prefix + "-refund-2", "customer withdrew", Duration.ofSeconds(30));
    assertThat(cancelled.accepted()).as(cancelled.detail()).isTrue();
    assertThat(client.awaitResult(prefix + "-refund-2", Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.CANCELLED);
  }

  private static PendingApproval awaitPending(WorkflowClient client, String runId) {
    List<PendingApproval> found = new ArrayList<>();
    await().atMost(60, TimeUnit.SECONDS).untilAsserted(() -> {
      found.clear();
      client.pendingApprovals(Duration.ofSeconds(10)).stream().filter(p -> p.runId().equals(runId)).forEach(found::add);
      assertThat(found).hasSize(1);
    });
    return found.get(0);
  }

  @Test
  void aPlainConsumerReadsResultsEventsAndApprovalRequestsWithJacksonAlone() throws Exception {
    RunResult done = jsonClient.start("support", "p-support-1", new Question("refund?")).await(Duration.ofSeconds(60));
    assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
    jsonClient.start("refund", "p-refund-1", new Refund("cy", 30));
    awaitPending(jsonClient, "p-refund-1");
    ObjectMapper jackson = new ObjectMapper();

    Map<String, ConsumerRecord<String, String>> results = byKey(readAll(jsonEngine.topics().results()), "p-support-1");
    JsonNode result = jackson.readTree(results.get("p-support-1").value());
    assertThat(result.get("runId").asText()).isEqualTo("p-support-1");
    assertThat(result.get("workflowType").asText()).isEqualTo("support");
    assertThat(result.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(result.get("output").get("reply").asText()).isEqualTo("about 'refund?': shipped");
    assertThat(result.get("error").isNull()).isTrue();
    assertThat(result.get("finishedAt").asLong()).isGreaterThanOrEqualTo(result.get("startedAt").asLong());
    assertThat(header(results.get("p-support-1"), "stepstream.schema")).isEqualTo("io.stepstream.avro.WorkflowResult");
    assertThat(header(results.get("p-support-1"), "stepstream.schema.fingerprint")).matches("[0-9a-f]{16}");

    List<JsonNode> events = new ArrayList<>();
    ConsumerRecord<String, String> anEvent = null;
    for (ConsumerRecord<String, String> r : readAll(jsonEngine.topics().events())) {
      if (r.key().equals("p-support-1")) {
        events.add(jackson.readTree(r.value()));
        anEvent = anEvent == null || !"STEP_COMPLETED".equals(jackson.readTree(anEvent.value()).get("type").asText()) ? r : anEvent;
      }
    }
    assertThat(events).extracting(e -> e.get("type").asText()).contains("RUN_STARTED", "STEP_COMPLETED", "RUN_COMPLETED");
    assertThat(events).filteredOn(e -> e.get("type").asText().equals("STEP_COMPLETED"))
        .singleElement().satisfies(e -> assertThat(e.get("step").asText()).isEqualTo("answer"));

    ConsumerRecord<String, String> asked = byKey(readAll(jsonEngine.topics().approvalRequests()), "p-refund-1").get("p-refund-1");
    JsonNode approval = jackson.readTree(asked.value());
    assertThat(approval.get("approvalName").asText()).isEqualTo("refund-review");
    assertThat(approval.get("subject").asText()).isEqualTo("Refund 30 to cy");
    assertThat(approval.get("details").get("customer").asText()).isEqualTo("cy");
    assertThat(approval.get("details").get("amount").asInt()).isEqualTo(30);
    assertThat(approval.get("token").asText()).startsWith("v1.");
    assertThat(header(asked, "stepstream.schema")).isEqualTo("io.stepstream.avro.ApprovalRequest");

    send(jsonEngine.topics().requests(), "p-bad-1", "{\"workflowType\":\"support\",\"inptu\":{}}");
    List<ConsumerRecord<String, String>> dead = new ArrayList<>();
    await().atMost(60, TimeUnit.SECONDS).untilAsserted(() -> {
      dead.clear();
      readAll(jsonEngine.topics().deadLetters()).stream().filter(r -> "p-bad-1".equals(r.key())).forEach(dead::add);
      assertThat(dead).hasSize(1);
    });
    JsonNode letter = jackson.readTree(dead.get(0).value());
    assertThat(letter.get("errorType").asText()).isEqualTo("INVALID_REQUEST");
    assertThat(letter.get("errorMessage").asText()).contains("unknown field \"inptu\"");
    assertThat(new String(letter.get("value").binaryValue(), StandardCharsets.UTF_8)).isEqualTo("{\"workflowType\":\"support\",\"inptu\":{}}");
    assertThat(header(dead.get(0), "stepstream.schema")).isEqualTo("io.stepstream.avro.DeadLetter");

    keepExample("DeadLetter", dead.get(0));
    keepExample("WorkflowResult", results.get("p-support-1"));
    keepExample("AuditEvent", anEvent);
    keepExample("ApprovalRequest", asked);
  }

  @Test
  void anEngineInTheDefaultFormatReadsJsonThatAPlainProducerWrote() {
    send(defaultEngine.topics().requests(), "d-plain-1", "{\"workflowType\":\"support\",\"input\":{\"question\":\"plain?\"}}");

    RunResult result = jsonClientOfDefaultEngine.awaitResult("d-plain-1", Duration.ofSeconds(60));

    assertThat(result.output(Reply.class).reply()).isEqualTo("about 'plain?': shipped");
  }

  /** A plain producer: String values. */
  private static void send(String topic, String key, String value) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value));
    }
  }

  private static Map<String, ConsumerRecord<String, String>> byKey(List<ConsumerRecord<String, String>> records, String key) {
    Map<String, ConsumerRecord<String, String>> latest = new HashMap<>();
    records.stream().filter(r -> key.equals(r.key())).forEach(r -> latest.put(r.key(), r));
    assertThat(latest).containsKey(key);
    return latest;
  }

  /** A plain consumer, as any team would write one: String values, read_committed, from the beginning. */
  private static List<ConsumerRecord<String, String>> readAll(String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<String, String>> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  private static String header(ConsumerRecord<String, String> record, String name) {
    var h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void keepExample(String name, ConsumerRecord<String, String> record) throws Exception {
    Path examples = Path.of("target", "wire-examples");
    Files.createDirectories(examples);
    StringBuilder text = new StringBuilder();
    record.headers().forEach(h -> text.append("# header ").append(h.key()).append(": ").append(new String(h.value(), StandardCharsets.UTF_8)).append('\n'));
    text.append("# key: ").append(record.key()).append('\n').append(record.value()).append('\n');
    Files.writeString(examples.resolve(name + ".json"), text);
  }
}
