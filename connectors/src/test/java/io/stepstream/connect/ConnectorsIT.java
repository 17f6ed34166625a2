package io.stepstream.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.RunResult;
import io.stepstream.client.WireFormat;
import io.stepstream.client.WorkflowClient;
import io.stepstream.connect.LoopbackWebhook.Answer;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.SupportWorkflows;
import io.stepstream.internal.client.TopicScanner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugins in a real Connect 4.4 standalone worker (a child JVM, loading them from plugin.path), against a real
 * broker and a real engine: a file source with the transform starts runs; the webhook sink delivers the approval
 * requests of a refund workflow to an HTTP server on loopback, whose answers approve them; a webhook that fails
 * for a while, and one that always fails. A second engine writes the JSON wire format (its own prefix), with its
 * own sink connector: its approvals go through the webhook too.
 */
@Timeout(240)
class ConnectorsIT {
  static final String PREFIX = "cx";
  static final String SINK = "approval-inbox";
  static final String DLQ = "approval-inbox-dlq";
  static final String JSON_PREFIX = "cxj";
  static final String JSON_SINK = "approval-inbox-json";

  record Greeting(String name) {}

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;
  static WorkflowClient client;
  static Stepstream jsonEngine;
  static WorkflowClient jsonClient;
  static LoopbackWebhook webhook;
  static ConnectWorker worker;
  /** 500s still to answer, per run id, before the webhook recovers. */
  static final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(2)
        .approvalSecret("connectors-it-secret")
        .register("greet", Greeting.class, (ctx, g) -> ctx.step("greet", String.class, s -> "hello " + g.name()))
        .register(SupportWorkflows.REFUND, SupportWorkflows.Refund.class, SupportWorkflows.REFUND_WORKFLOW)
        .build()
        .start();
    client = engine.client();
    jsonEngine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(JSON_PREFIX)
        .stateDir(dir.resolve("state-json"))
        .partitions(2)
        .wireFormat(WireFormat.JSON)
        .approvalSecret("connectors-it-json-secret")
        .register(SupportWorkflows.REFUND, SupportWorkflows.Refund.class, SupportWorkflows.REFUND_WORKFLOW)
        .build()
        .start();
    jsonClient = jsonEngine.client();
    webhook = new LoopbackWebhook(ConnectorsIT::inbox);
    worker = ConnectWorker.start(dir.resolve("worker"), kafka.bootstrapServers());
    worker.putConnector(SINK, Map.ofEntries(
        Map.entry("connector.class", ApprovalWebhookSinkConnector.class.getName()),
        Map.entry("tasks.max", "1"),
        Map.entry("topics", PREFIX + ".approval-requests"),
        Map.entry("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
        Map.entry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"),
        Map.entry("webhook.url", webhook.url()),
        Map.entry("webhook.auth.bearer.token", "inbox-token"),
        Map.entry("webhook.retries", "3"),
        Map.entry("webhook.retry.backoff.ms", "200"),
        Map.entry("webhook.retry.backoff.max.ms", "800"),
        Map.entry("stepstream.topic.prefix", PREFIX),
        Map.entry("stepstream.bootstrap.servers", kafka.bootstrapServers()),
        Map.entry("errors.tolerance", "all"),
        Map.entry("errors.deadletterqueue.topic.name", DLQ),
        Map.entry("errors.deadletterqueue.topic.replication.factor", "1"),
        Map.entry("errors.deadletterqueue.context.headers.enable", "true")));
    worker.awaitRunning(SINK, Duration.ofSeconds(60));
    // the same connector for the JSON engine: nothing says which wire format its records are in
    worker.putConnector(JSON_SINK, Map.ofEntries(
        Map.entry("connector.class", ApprovalWebhookSinkConnector.class.getName()),
        Map.entry("tasks.max", "1"),
        Map.entry("topics", JSON_PREFIX + ".approval-requests"),
        Map.entry("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
        Map.entry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"),
        Map.entry("webhook.url", webhook.url()),
        Map.entry("stepstream.topic.prefix", JSON_PREFIX),
        Map.entry("stepstream.bootstrap.servers", kafka.bootstrapServers())));
    worker.awaitRunning(JSON_SINK, Duration.ofSeconds(60));
  }

  /**
   * The inbox: approves every refund (halving it) as alice; runs named flaky-* first fail as often as
   * {@link #failuresLeft} says; runs named down-* always fail.
   */
  static Answer inbox(LoopbackWebhook.Call call) {
    String body = call.body();
    if (body.contains("\"runId\":\"down-")) {
      return new Answer(500, "inbox database is down");
    }
    for (Map.Entry<String, AtomicInteger> flaky : failuresLeft.entrySet()) {
      if (body.contains("\"runId\":\"" + flaky.getKey() + "\"") && flaky.getValue().getAndDecrement() > 0) {
        return new Answer(503, "try later");
      }
    }
    return Answer.ok("{\"decision\":\"APPROVE\",\"approver\":\"alice\",\"comment\":\"half is enough\",\"changes\":{\"customer\":\"ada\",\"amount\":5}}");
  }

  @AfterAll
  static void stop() throws Exception {
    if (worker != null) {
      worker.close();
    }
    if (webhook != null) {
      webhook.close();
    }
    if (engine != null) {
      engine.close();
    }
    if (jsonEngine != null) {
      jsonEngine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void theWorkerLoadsBothPluginsFromThePluginPath() throws Exception {
    JsonNode plugins = worker.getJson("/connector-plugins?connectorsOnly=false");

    assertThat(plugins.findValuesAsText("class"))
        .contains(ApprovalWebhookSinkConnector.class.getName(), ToWorkflowRequest.class.getName());
    for (JsonNode plugin : plugins) {
      if (plugin.get("class").asText().startsWith("io.stepstream.")) {
        assertThat(plugin.get("version").asText()).as("from the plugin jar's manifest").isEqualTo(System.getProperty("project.version"));
      }
    }
  }

  @Test
  void aFileSourceWithTheTransformStartsRunsThatComplete() throws Exception {
    Path lines = dir.resolve("greetings.jsonl");
    Files.writeString(lines, """
        {"id": 1, "name": "ada", "source": "signup-form"}
        {"name": "nobody"}
        {"id": 2, "name": "grace", "source": "signup-form"}
        not json at all
        {"id": 3, "name": "linus", "source": "import"}
        """);
    worker.putConnector("greetings", Map.ofEntries(
        Map.entry("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector"),
        Map.entry("tasks.max", "1"),
        Map.entry("file", lines.toString()),
        Map.entry("topic", "greetings-raw"),
        Map.entry("transforms", "toRequest"),
        Map.entry("transforms.toRequest.type", ToWorkflowRequest.class.getName()),
        Map.entry("transforms.toRequest.run.id.template", "greet-${id}"),
        Map.entry("transforms.toRequest.workflow.type", "greet"),
        Map.entry("transforms.toRequest.input.fields", "name"),
        Map.entry("transforms.toRequest.stepstream.topic.prefix", PREFIX),
        Map.entry("errors.tolerance", "all"),
        Map.entry("errors.log.enable", "true"),
        Map.entry("errors.log.include.messages", "true")));
    worker.awaitRunning("greetings", Duration.ofSeconds(60));

    assertThat(client.awaitResult("greet-1", Duration.ofSeconds(90)).output(String.class)).isEqualTo("hello ada");
    assertThat(client.awaitResult("greet-2", Duration.ofSeconds(90)).output(String.class)).isEqualTo("hello grace");
    assertThat(client.awaitResult("greet-3", Duration.ofSeconds(90)).output(String.class)).isEqualTo("hello linus");
    Files.writeString(lines, "{\"id\": 4, \"name\": \"barbara\"}\n", StandardOpenOption.APPEND);
    assertThat(client.awaitResult("greet-4", Duration.ofSeconds(90)).output(String.class)).as("lines appended later").isEqualTo("hello barbara");

    // the two bad lines were skipped (errors.tolerance=all) and logged by the worker with the transform's reason
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(worker.log())
        .contains("has no run id: a field of the run id template 'greet-${id}' (run.id.template) is missing")
        .contains("that is not JSON"));
    assertThat(worker.states("greetings")).containsOnly("RUNNING");
  }

  @Test
  void approvalRequestsArePostedToTheWebhookWhoseApprovalCompletesTheRuns() {
    client.start(SupportWorkflows.REFUND, "refund-1", new SupportWorkflows.Refund("ada", 12));
    client.start(SupportWorkflows.REFUND, "refund-2", new SupportWorkflows.Refund("ada", 40));

    for (String run : List.of("refund-1", "refund-2")) {
      RunResult result = client.awaitResult(run, Duration.ofSeconds(90));
      assertThat(result.output(String.class)).as(run).startsWith("refunded 5 to ada (approved by alice");
    }
    LoopbackWebhook.Call call = webhook.callsFor("refund-1").get(0);
    assertThat(call.idempotencyKey()).isEqualTo("refund-1/refund-review");
    assertThat(call.authorization()).isEqualTo("Bearer inbox-token");
    assertThat(call.body()).contains("\"kind\":\"approval-request\"").contains("\"subject\":\"Refund 12 to ada\"")
        .contains("\"details\":{\"customer\":\"ada\",\"amount\":12}").contains("\"token\":\"v1.");
  }

  @Test
  void aWebhookThatFailsForAWhileGetsTheRequestOnceItRecovers() {
    failuresLeft.put("flaky-1", new AtomicInteger(2));

    client.start(SupportWorkflows.REFUND, "flaky-1", new SupportWorkflows.Refund("ada", 9));

    assertThat(client.awaitResult("flaky-1", Duration.ofSeconds(90)).output(String.class)).startsWith("refunded 5 to ada");
    // (once the wait is resolved the engine may announce it with the request again: a delivery with another key)
    assertThat(webhook.callsFor("flaky-1")).filteredOn(c -> c.idempotencyKey().equals("flaky-1/refund-review")).hasSize(3);
  }

  @Test
  void aWebhookThatAlwaysFailsSendsTheRecordToTheDeadLetterTopicWithTheReasonAndTheTaskGoesOn() throws Exception {
    client.start(SupportWorkflows.REFUND, "down-1", new SupportWorkflows.Refund("ada", 7));
    await().atMost(Duration.ofSeconds(90)).until(() -> !deadLetters().isEmpty());

    ConsumerRecord<String, byte[]> dead = deadLetters().get(0);
    assertThat(dead.key()).isEqualTo("down-1");
    assertThat(header(dead, "__connect.errors.topic")).isEqualTo(PREFIX + ".approval-requests");
    assertThat(header(dead, "__connect.errors.exception.message"))
        .contains("answered HTTP 500: inbox database is down").contains("approval 'refund-review' of run down-1").contains("gave up after 4 tries");
    assertThat(webhook.callsFor("down-1")).filteredOn(c -> c.idempotencyKey().equals("down-1/refund-review")).hasSize(4);

    client.start(SupportWorkflows.REFUND, "after-down-1", new SupportWorkflows.Refund("ada", 8));
    assertThat(client.awaitResult("after-down-1", Duration.ofSeconds(90)).output(String.class)).as("the task goes on").startsWith("refunded 5");
    assertThat(worker.states(SINK)).containsOnly("RUNNING");
  }

  @Test
  void anEngineInJsonModeHasItsApprovalsDecidedThroughTheWebhookAndTheirResolutionsAnnouncedButNotDecided() {
    jsonClient.start(SupportWorkflows.REFUND, "json-refund-1", new SupportWorkflows.Refund("ada", 14));

    assertThat(jsonClient.awaitResult("json-refund-1", Duration.ofSeconds(90)).output(String.class))
        .startsWith("refunded 5 to ada (approved by alice");
    List<ConsumerRecord<String, byte[]>> written = records(JSON_PREFIX + ".approval-requests", "json-refund-1");
    assertThat(written).as("the engine wrote its approval request and the resolution as JSON").hasSize(2)
        .allSatisfy(r -> assertThat(r.value()[0]).isEqualTo((byte) '{'));
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(webhook.callsFor("json-refund-1"))
        .extracting(LoopbackWebhook.Call::idempotencyKey).containsExactly("json-refund-1/refund-review", "json-refund-1/refund-review/APPROVED"));
    List<LoopbackWebhook.Call> calls = webhook.callsFor("json-refund-1");
    assertThat(calls.get(0).body()).contains("\"details\":{\"customer\":\"ada\",\"amount\":14}").contains("\"resolution\":null");
    assertThat(calls.get(1).body()).contains("\"resolution\":\"APPROVED\"");

    // the inbox answered the resolution with an approval too; the task handles records one after the other, so once
    // a later run's request has been delivered and decided, a decision from that answer would be on the topic by now
    jsonClient.start(SupportWorkflows.REFUND, "json-refund-2", new SupportWorkflows.Refund("ada", 15));
    assertThat(jsonClient.awaitResult("json-refund-2", Duration.ofSeconds(90)).output(String.class)).startsWith("refunded 5 to ada");
    assertThat(records(JSON_PREFIX + ".approvals", "json-refund-1")).as("one decision: the answer to the resolution was none").hasSize(1);
  }

  static List<ConsumerRecord<String, byte[]>> records(String topic, String key) {
    return TopicScanner.readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topic, -1, Duration.ofSeconds(10))
        .stream().filter(r -> key.equals(r.key())).toList();
  }

  static List<ConsumerRecord<String, byte[]>> deadLetters() {
    return TopicScanner.readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), DLQ, -1, Duration.ofSeconds(10));
  }

  static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
