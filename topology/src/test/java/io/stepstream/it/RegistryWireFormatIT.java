package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.CancelResult;
import io.stepstream.PendingApproval;
import io.stepstream.RunStatus;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.devregistry.DevSchemaRegistry;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.codec.EnvelopeReader;
import io.stepstream.internal.codec.WireCodec;
import io.stepstream.internal.codec.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema-registry wire format against a real broker and a real registry (Apicurio Registry's
 * Confluent API, {@link DevSchemaRegistry}, with basic auth): an engine and a client that have
 * {@code schema.registry.url} in their Kafka properties (so the registry format is their default),
 * and a stock reader that knows nothing of Stepstream: it fetches the schema by id over HTTP and
 * decodes with Avro's {@code GenericDatumReader}, as any registry-aware client does.
 *
 * <p>The engine and client reach the registry through a {@link TcpRelay}, so the last test can take
 * the registry away from them (and give it back) while it keeps running.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistryWireFormatIT {
  record Question(String question) {}

  record Reply(String reply) {}

  record Refund(String customer, int amount) {}

  private static final String USER = "engine";
  private static final String PASSWORD = "engine-secret";

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static DevSchemaRegistry registry;
  static TcpRelay relay;
  static Map<String, String> relayed;
  static Stepstream engine;
  static WorkflowClient client;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    registry = DevSchemaRegistry.builder().basicAuth(USER, PASSWORD).start();
    URI direct = URI.create(registry.url());
    relay = new TcpRelay(direct.getPort());
    relayed = Map.of(
        "schema.registry.url", "http://127.0.0.1:" + relay.port() + direct.getPath(),
        "basic.auth.user.info", USER + ":" + PASSWORD);
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .kafkaProperties(relayed)
        .topicPrefix("reg")
        .stateDir(dir.resolve("state"))
        .partitions(2)
        .approvalSecret("registry-it-secret-0123")
        .register("support", Question.class, (ctx, q) -> ctx.step("answer", Reply.class, s -> new Reply("about '" + q.question() + "': shipped")))
        .register("refund", Refund.class, (ctx, r) -> {
          Approval a = ctx.awaitApproval("refund-review", ApprovalRequest.of("Refund " + r.amount() + " to " + r.customer()).details(r),
              Duration.ofHours(1));
          return new Reply(a.approved() ? "refunded " + a.edited(Refund.class).orElse(r).amount() + " (" + a.approver() + ")" : "refused");
        })
        .register("payment", String.class, (ctx, order) -> new Reply(order + " paid " + ctx.awaitEvent("paid", Integer.class, Duration.ofHours(1))))
        .build()
        .start();
    client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).kafkaProperties(relayed).topicPrefix("reg").build();
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, engine, relay, registry, kafka}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  @Order(1)
  void anEngineAndAClientInRegistryFormatStartRunsGetResultsListApprovalsDecideSignalAndCancel() {
    assertThat(client.start("support", "r-support-1", new Question("where is my order?")).await(Duration.ofSeconds(60))
        .output(Reply.class).reply()).isEqualTo("about 'where is my order?': shipped");

    var refund = client.start("refund", "r-refund-1", new Refund("ada", 210));
    PendingApproval pending = awaitPending("r-refund-1");
    assertThat(pending.details()).isEqualTo("{\"customer\":\"ada\",\"amount\":210}");
    client.decide("r-refund-1", "refund-review", true, "alice", List.of(), "ok, less", null, new Refund("ada", 200));
    assertThat(refund.await(Duration.ofSeconds(60)).output(Reply.class).reply()).isEqualTo("refunded 200 (alice)");

    var payment = client.start("payment", "r-pay-1", "order-7");
    client.signal("r-pay-1", "paid", 42);
    assertThat(payment.await(Duration.ofSeconds(60)).output(Reply.class).reply()).isEqualTo("order-7 paid 42");

    client.start("refund", "r-refund-2", new Refund("bob", 5));
    awaitPending("r-refund-2");
    CancelResult cancelled = client.cancel("r-refund-2", "customer withdrew", Duration.ofSeconds(30));
    assertThat(cancelled.accepted()).as(cancelled.detail()).isTrue();
    assertThat(client.awaitResult("r-refund-2", Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.CANCELLED);
  }

  @Test
  @Order(2)
  void aStockReaderFetchesTheSchemaByIdAndDecodesWithGenericDatumReader() throws Exception {
    client.start("support", "r-stock-1", new Question("refund?")).await(Duration.ofSeconds(60));
    client.start("refund", "r-stock-2", new Refund("cy", 30));
    awaitPending("r-stock-2");

    GenericRecord result = stockDecode(last(readAll("reg.results"), "r-stock-1").value());
    assertThat(result.getSchema().getFullName()).isEqualTo("io.stepstream.avro.WorkflowResult");
    assertThat(result.get("runId").toString()).isEqualTo("r-stock-1");
    assertThat(result.get("status").toString()).isEqualTo("COMPLETED");
    GenericRecord output = (GenericRecord) result.get("output");
    assertThat(output.get("encoding").toString()).isEqualTo("JSON");
    assertThat(new ObjectMapper().readTree(bytes((ByteBuffer) output.get("data"))).get("reply").asText())
        .isEqualTo("about 'refund?': shipped");
    assertThat(result.get("error")).isNull();

    List<String> types = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : readAll("reg.events")) {
      if (r.key().equals("r-stock-1")) {
        types.add(stockDecode(r.value()).get("type").toString());
      }
    }
    assertThat(types).contains("RUN_STARTED", "STEP_COMPLETED", "RUN_COMPLETED");

    GenericRecord asked = stockDecode(last(readAll("reg.approval-requests"), "r-stock-2").value());
    assertThat(asked.get("subject").toString()).isEqualTo("Refund 30 to cy");
    assertThat(asked.get("token").toString()).startsWith("v1.");

    JsonNode subjects = get("/subjects");
    List<String> names = new ArrayList<>();
    subjects.forEach(s -> names.add(s.asText()));
    assertThat(names).contains("reg.results-value", "reg.events-value", "reg.approval-requests-value", "reg.dlq-value",
        "reg.requests-value", "reg.requests-io.stepstream.avro.RunCommand", "reg.approvals-value", "reg.signals-value");
    for (String subject : List.of("reg.results-value", "reg.requests-value", "reg.requests-io.stepstream.avro.RunCommand")) {
      assertThat(get("/config/" + subject).path("compatibilityLevel").asText()).as(subject).isEqualTo("BACKWARD");
    }
  }

  @Test
  @Order(3)
  void anEngineWhoseRegistryDoesNotAnswerAtStartFailsNamingIt() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closed + "/apis/ccompat/v7";
    Stepstream.Builder b = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .kafkaProperties(Map.of("schema.registry.url", url))
        .topicPrefix("nored")
        .stateDir(dir.resolve("state-nored"))
        .partitions(1)
        .approvalSecret("registry-it-secret-0123")
        .register("support", Question.class, (ctx, q) -> new Reply("x"));

    try (Stepstream unstartable = b.build()) {
      assertThatThrownBy(unstartable::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("schema registry at " + url)
          .hasMessageContaining("did not answer");
    }
  }

  @Test
  @Order(4)
  void withTheRegistryGoneKnownIdsKeepWorkingAndAnInputWithANewIdIsDeadLetteredForRedrive() throws Exception {
    client.start("support", "r-warm-1", new Question("warm")).await(Duration.ofSeconds(60));
    byte[] newId = requestWithANewSchemaVersion("r-new-1");

    relay.cut();
    try {
      assertThat(client.start("support", "r-down-1", new Question("still there?")).await(Duration.ofSeconds(60))
          .output(Reply.class).reply()).isEqualTo("about 'still there?': shipped");

      send("reg.requests", "r-new-1", newId);
      DeadLetter letter = awaitDeadLetter("r-new-1");
      assertThat(letter.getErrorType()).isEqualTo("SCHEMA_REGISTRY_UNAVAILABLE");
      assertThat(letter.getErrorMessage()).contains("re-produce it from the DLQ");
      assertThat(bytes(letter.getValue())).isEqualTo(newId);
    } finally {
      relay.restore();
    }

    // the engine does not ask a registry that just failed again for a while (one stream-thread wait per
    // window, ADR 0009): an operator redrives once the registry is back and that window has passed
    Thread.sleep(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(io.stepstream.internal.codec.EnvelopeReader.OUTAGE_MEMORY_NANOS) + 1_000);
    send("reg.requests", "r-new-1", bytes(awaitDeadLetter("r-new-1").getValue())); // the redrive: the DLQ value, unchanged
    assertThat(client.awaitResult("r-new-1", Duration.ofSeconds(60)).output(Reply.class).reply()).isEqualTo("about 'evolved': shipped");
  }

  // ---- helpers ----

  /** A WorkflowRequest written by a producer with a newer schema version (a field added): registered now, so its id is new to the engine. */
  private static byte[] requestWithANewSchemaVersion(String runId) throws Exception {
    ObjectNode schemaJson = (ObjectNode) new ObjectMapper().readTree(WorkflowRequest.getClassSchema().toString());
    ((ArrayNode) schemaJson.get("fields")).addObject().put("name", "note").putNull("default")
        .putArray("type").add("null").add("string");
    Schema newer = new Schema.Parser().parse(schemaJson.toString());
    SchemaRegistryClient direct = SchemaRegistryClient.fromProperties(
        Map.of("schema.registry.url", registry.url(), "basic.auth.user.info", USER + ":" + PASSWORD)).orElseThrow();
    int id = direct.register("reg.requests-value", newer);

    Schema payloadSchema = newer.getField("input").schema().getTypes().get(1);
    GenericRecord payload = new GenericData.Record(payloadSchema);
    payload.put("encoding", new GenericData.EnumSymbol(payloadSchema.getField("encoding").schema(), "JSON"));
    payload.put("data", ByteBuffer.wrap("{\"question\":\"evolved\"}".getBytes(StandardCharsets.UTF_8)));
    GenericRecord request = new GenericData.Record(newer);
    request.put("runId", runId);
    request.put("workflowType", "support");
    request.put("input", payload);
    request.put("requestedAt", 0L);
    request.put("note", "written by a newer producer");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(newer).write(request, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static DeadLetter awaitDeadLetter(String key) {
    EnvelopeReader reader = WireCodec.create(io.stepstream.client.WireFormat.AVRO_SINGLE_OBJECT,
        Map.of("schema.registry.url", registry.url(), "basic.auth.user.info", USER + ":" + PASSWORD)).reader();
    List<DeadLetter> found = new ArrayList<>();
    await().atMost(60, TimeUnit.SECONDS).untilAsserted(() -> {
      found.clear();
      readAll("reg.dlq").stream().filter(r -> key.equals(r.key())).forEach(r -> found.add(reader.deadLetter(r.value())));
      assertThat(found).isNotEmpty();
    });
    return found.get(found.size() - 1);
  }

  /** What any registry-aware reader does: 0x00, the id, GET /schemas/ids/{id}, GenericDatumReader. */
  private static GenericRecord stockDecode(byte[] value) throws Exception {
    assertThat(value[0]).isZero();
    int id = ByteBuffer.wrap(value, 1, 4).getInt();
    Schema writer = new Schema.Parser().parse(get("/schemas/ids/" + id).get("schema").asText());
    return new GenericDatumReader<GenericRecord>(writer)
        .read(null, DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
  }

  private static JsonNode get(String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(registry.url() + path))
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
        .header("Accept", "application/vnd.schemaregistry.v1+json")
        .GET().build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return new ObjectMapper().readTree(response.body());
  }

  private static PendingApproval awaitPending(String runId) {
    List<PendingApproval> found = new ArrayList<>();
    await().atMost(60, TimeUnit.SECONDS).untilAsserted(() -> {
      found.clear();
      client.pendingApprovals(Duration.ofSeconds(10)).stream().filter(p -> p.runId().equals(runId)).forEach(found::add);
      assertThat(found).hasSize(1);
    });
    return found.get(0);
  }

  private static void send(String topic, String key, byte[] value) throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static ConsumerRecord<String, byte[]> last(List<ConsumerRecord<String, byte[]>> records, String key) {
    List<ConsumerRecord<String, byte[]>> matching = records.stream().filter(r -> key.equals(r.key())).toList();
    assertThat(matching).as("records keyed " + key).isNotEmpty();
    return matching.get(matching.size() - 1);
  }

  /** A plain consumer: byte values, read_committed, from the beginning to the current end. */
  private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
