package io.stepstream.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.client.WorkflowClient;
import io.stepstream.connect.LoopbackWebhook.Answer;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.devregistry.DevSchemaRegistry;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.SupportWorkflows;
import io.stepstream.internal.client.TopicScanner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook sink reading an engine that writes the schema-registry wire format: a real registry (Apicurio's
 * Confluent API, {@link DevSchemaRegistry}, with basic auth), a real broker, the engine with {@code
 * schema.registry.url} in its Kafka properties (so the registry format is its default), and a real Connect worker
 * whose sink connector names the same registry with Confluent's property names. Two more connectors show what
 * happens to such records without a registry, and with credentials the registry refuses.
 */
@Timeout(300)
class RegistrySinkIT {
  static final String PREFIX = "rg";
  static final String USER = "connect";
  static final String PASSWORD = "connect-secret";
  static final String SINK = "registry-inbox";
  static final String BLIND_SINK = "no-registry-inbox";
  static final String BLIND_DLQ = "no-registry-inbox-dlq";
  static final String REFUSED_SINK = "wrong-password-inbox";

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static DevSchemaRegistry registry;
  static Stepstream engine;
  static WorkflowClient client;
  static LoopbackWebhook webhook;
  static ConnectWorker worker;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    registry = DevSchemaRegistry.builder().basicAuth(USER, PASSWORD).start();
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .kafkaProperties(Map.of("schema.registry.url", registry.url(), "basic.auth.user.info", USER + ":" + PASSWORD))
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(2)
        .approvalSecret("registry-sink-it-secret")
        .register(SupportWorkflows.REFUND, SupportWorkflows.Refund.class, SupportWorkflows.REFUND_WORKFLOW)
        .build()
        .start();
    client = engine.client();
    // the blind connector's calls would be none; every call is the registry connector's, which approves
    webhook = new LoopbackWebhook(call -> Answer.ok("{\"decision\":\"APPROVE\",\"approver\":\"alice\",\"changes\":{\"customer\":\"ada\",\"amount\":5}}"));
    worker = ConnectWorker.start(dir.resolve("worker"), kafka.bootstrapServers());
    worker.putConnector(SINK, Map.ofEntries(
        Map.entry("connector.class", ApprovalWebhookSinkConnector.class.getName()),
        Map.entry("tasks.max", "1"),
        Map.entry("topics", PREFIX + ".approval-requests"),
        Map.entry("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
        Map.entry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"),
        Map.entry("webhook.url", webhook.url()),
        Map.entry("stepstream.topic.prefix", PREFIX),
        Map.entry("stepstream.bootstrap.servers", kafka.bootstrapServers()),
        Map.entry("schema.registry.url", registry.url()),
        Map.entry("basic.auth.credentials.source", "USER_INFO"),
        Map.entry("basic.auth.user.info", USER + ":" + PASSWORD)));
    worker.putConnector(BLIND_SINK, Map.ofEntries(
        Map.entry("connector.class", ApprovalWebhookSinkConnector.class.getName()),
        Map.entry("tasks.max", "1"),
        Map.entry("topics", PREFIX + ".approval-requests"),
        Map.entry("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
        Map.entry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"),
        Map.entry("webhook.url", webhook.url()),
        Map.entry("stepstream.topic.prefix", PREFIX),
        Map.entry("decisions.enabled", "false"),
        Map.entry("errors.tolerance", "all"),
        Map.entry("errors.deadletterqueue.topic.name", BLIND_DLQ),
        Map.entry("errors.deadletterqueue.topic.replication.factor", "1"),
        Map.entry("errors.deadletterqueue.context.headers.enable", "true")));
    worker.putConnector(REFUSED_SINK, Map.ofEntries(
        Map.entry("connector.class", ApprovalWebhookSinkConnector.class.getName()),
        Map.entry("tasks.max", "1"),
        Map.entry("topics", PREFIX + ".approval-requests"),
        Map.entry("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
        Map.entry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"),
        Map.entry("webhook.url", webhook.url()),
        Map.entry("stepstream.topic.prefix", PREFIX),
        Map.entry("decisions.enabled", "false"),
        Map.entry("schema.registry.url", registry.url()),
        Map.entry("basic.auth.user.info", USER + ":not-the-password"),
        Map.entry("errors.tolerance", "all"),
        Map.entry("errors.deadletterqueue.topic.name", "wrong-password-inbox-dlq"),
        Map.entry("errors.deadletterqueue.topic.replication.factor", "1")));
    worker.awaitRunning(SINK, Duration.ofSeconds(60));
    worker.awaitRunning(BLIND_SINK, Duration.ofSeconds(60));
    worker.awaitRunning(REFUSED_SINK, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {worker, webhook, engine, registry, kafka}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void approvalRequestsInTheRegistryFormatArePostedAndTheWebhooksApprovalCompletesTheRun() {
    client.start(SupportWorkflows.REFUND, "reg-refund-1", new SupportWorkflows.Refund("ada", 13));

    assertThat(client.awaitResult("reg-refund-1", Duration.ofSeconds(90)).output(String.class))
        .startsWith("refunded 5 to ada (approved by alice");
    assertThat(records(PREFIX + ".approval-requests", "reg-refund-1")).as("the engine wrote the registry wire format").hasSize(2)
        .allSatisfy(r -> assertThat(r.value()[0]).isZero());
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(webhook.callsFor("reg-refund-1"))
        .extracting(LoopbackWebhook.Call::idempotencyKey).containsExactly("reg-refund-1/refund-review", "reg-refund-1/refund-review/APPROVED"));
    assertThat(webhook.callsFor("reg-refund-1").get(0).body()).contains("\"kind\":\"approval-request\"")
        .contains("\"subject\":\"Refund 13 to ada\"").contains("\"details\":{\"customer\":\"ada\",\"amount\":13}").contains("\"token\":\"v1.");
  }

  @Test
  void aConnectorWithoutARegistryReportsSuchRecordsSayingWhatToSet() {
    client.start(SupportWorkflows.REFUND, "reg-refund-2", new SupportWorkflows.Refund("ada", 21));

    await().atMost(Duration.ofSeconds(90)).until(() -> records(BLIND_DLQ, "reg-refund-2").size() >= 1);
    ConsumerRecord<String, byte[]> dead = records(BLIND_DLQ, "reg-refund-2").get(0);
    assertThat(dead.value()[0]).as("the record as it was").isZero();
    assertThat(header(dead, "__connect.errors.exception.message"))
        .contains("schema-registry wire format").contains("no schema.registry.url").contains("connector's configuration");
    assertThat(client.awaitResult("reg-refund-2", Duration.ofSeconds(90)).output(String.class))
        .as("the other connector, which has the registry, delivered it").startsWith("refunded 5 to ada");
  }

  @Test
  void credentialsTheRegistryRefusesStopTheTaskWithTheReasonInsteadOfDeadLetteringEveryRecord() {
    client.start(SupportWorkflows.REFUND, "reg-refund-3", new SupportWorkflows.Refund("ada", 22));

    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(worker.states(REFUSED_SINK))
        .anySatisfy(state -> assertThat(state).startsWith("FAILED").contains("refused to look up schema id")
            .contains("fix the registry credentials")));
    assertThat(TopicScanner.readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), "wrong-password-inbox-dlq", -1,
        Duration.ofSeconds(10))).as("nothing dead-lettered: the records are fine").isEmpty();
  }

  static List<ConsumerRecord<String, byte[]>> records(String topic, String key) {
    return TopicScanner.readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topic, -1, Duration.ofSeconds(10))
        .stream().filter(r -> key.equals(r.key())).toList();
  }

  static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
