package io.stepstream.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.client.WireFormat;
import io.stepstream.connect.LoopbackWebhook.Answer;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.ExternalInputDecoder;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.WireCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The task against a real HTTP server on loopback; the worker's context and the decision producer are stand-ins. */
@Timeout(60)
class ApprovalWebhookSinkTaskTest {
  record Refund(String customer, int amount) {}

  final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  final List<Map<String, Object>> producerSettings = new ArrayList<>();
  final List<AutoCloseable> closeMe = new ArrayList<>();
  long offset;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeMe) {
      c.close();
    }
  }

  LoopbackWebhook webhook(java.util.function.Function<LoopbackWebhook.Call, Answer> answers) throws Exception {
    LoopbackWebhook webhook = new LoopbackWebhook(answers);
    closeMe.add(webhook);
    return webhook;
  }

  ApprovalWebhookSinkTask task(RecordingContext context, String url, String... extra) {
    Map<String, String> props = new HashMap<>(Map.of(
        "name", "inbox",
        "topics", "stepstream.approval-requests",
        "webhook.url", url,
        "webhook.retries", "2",
        "webhook.retry.backoff.ms", "100",
        "webhook.retry.backoff.max.ms", "150",
        "stepstream.bootstrap.servers", "127.0.0.1:9",
        "stepstream.producer.linger.ms", "5"));
    for (int i = 0; i < extra.length; i += 2) {
      props.put(extra[i], extra[i + 1]);
    }
    ApprovalWebhookSinkTask task = new ApprovalWebhookSinkTask(settings -> {
      producerSettings.add(settings);
      return producer;
    });
    task.initialize(context);
    task.start(props);
    closeMe.add(task::stop);
    return task;
  }

  static ApprovalRequest request(String runId) {
    return ApprovalRequest.newBuilder()
        .setRunId(runId)
        .setApprovalName("refund-review")
        .setWorkflowType("refund-approval")
        .setSubject("Refund 12 to ada")
        .setDetails(PayloadCodec.encode(new Refund("ada", 12)))
        .setAllowedApprovers(List.of("alice"))
        .setAllowedGroups(List.of("support-leads"))
        .setDeadline(1767312000000L)
        .setToken("v1.k1.1767312000.b.mac-" + runId)
        .setRequestedAt(1767225600000L)
        .build();
  }

  SinkRecord record(String topic, byte[] value) {
    return new SinkRecord(topic, 0, null, "key", null, value, offset++);
  }

  SinkRecord approval(String runId) {
    return record("stepstream.approval-requests", Envelopes.encode(request(runId)));
  }

  static JsonNode json(String text) throws Exception {
    return PayloadCodec.json().readTree(text);
  }

  @Test
  void anApprovalRequestIsPostedAsJsonWithItsIdempotencyKeyAndBearerToken() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));
    ApprovalWebhookSinkTask task = task(new RecordingContext(true), webhook.url(), "webhook.auth.bearer.token", "s3cret");

    task.put(List.of(approval("refund-1")));

    assertThat(webhook.calls()).hasSize(1);
    LoopbackWebhook.Call call = webhook.calls().get(0);
    assertThat(call.path()).isEqualTo("/hooks/approvals");
    assertThat(call.idempotencyKey()).isEqualTo("refund-1/refund-review");
    assertThat(call.authorization()).isEqualTo("Bearer s3cret");
    assertThat(call.contentType()).isEqualTo("application/json");
    assertThat(json(call.body())).isEqualTo(json("""
        {"kind":"approval-request","runId":"refund-1","approvalName":"refund-review","workflowType":"refund-approval",
         "subject":"Refund 12 to ada","details":{"customer":"ada","amount":12},"allowedApprovers":["alice"],
         "allowedGroups":["support-leads"],"deadline":1767312000000,"token":"v1.k1.1767312000.b.mac-refund-1",
         "requestedAt":1767225600000,"resolution":null}"""));
    assertThat(producer.history()).as("an acknowledgement is no decision").isEmpty();
  }

  @Test
  void aDecisionInTheAnswerIsWrittenToTheApprovalsTopicKeyedByRunIdWithTheRequestsToken() throws Exception {
    LoopbackWebhook webhook = webhook(call -> Answer.ok("""
        {"decision":"approve","approver":"alice","comment":"ok, less","changes":{"customer":"ada","amount":10}}"""));
    ApprovalWebhookSinkTask task = task(new RecordingContext(true), webhook.url());

    task.put(List.of(approval("refund-2")));

    assertThat(producer.history()).hasSize(1);
    ProducerRecord<String, byte[]> written = producer.history().get(0);
    assertThat(written.topic()).isEqualTo("stepstream.approvals");
    assertThat(written.key()).isEqualTo("refund-2");
    ApprovalDecision decision = Envelopes.decision(written.value());
    assertThat(decision.getRunId()).isEqualTo("refund-2");
    assertThat(decision.getApprovalName()).isEqualTo("refund-review");
    assertThat(decision.getApproved()).isTrue();
    assertThat(decision.getApprover()).isEqualTo("alice");
    assertThat(decision.getComment()).isEqualTo("ok, less");
    assertThat(decision.getToken()).isEqualTo("v1.k1.1767312000.b.mac-refund-2");
    assertThat(PayloadCodec.decode(decision.getEditedPayload(), Refund.class)).isEqualTo(new Refund("ada", 10));
    assertThat(producerSettings.get(0)).containsEntry("bootstrap.servers", "127.0.0.1:9").containsEntry("linger.ms", "5")
        .containsEntry("acks", "all").containsEntry("enable.idempotence", true);
  }

  @Test
  void aRejectionWithAReasonAndGroupsIsWrittenAsTheJsonDecisionFormWhenAsked() throws Exception {
    LoopbackWebhook webhook = webhook(call -> Answer.ok("""
        {"decision":"REJECT","approver":"bob","approverGroups":["support-leads"],"reason":"fraud suspected"}"""));
    ApprovalWebhookSinkTask task = task(new RecordingContext(true), webhook.url(), "decisions.format", "json");

    task.put(List.of(approval("refund-3")));

    byte[] value = producer.history().get(0).value();
    assertThat(value[0]).isEqualTo((byte) '{');
    ApprovalDecision decision = ExternalInputDecoder.decision(value);
    assertThat(decision.getApproved()).isFalse();
    assertThat(decision.getReason()).isEqualTo("fraud suspected");
    assertThat(decision.getApproverGroups()).containsExactly("support-leads");
    assertThat(decision.getToken()).isEqualTo("v1.k1.1767312000.b.mac-refund-3");
  }

  @Test
  void answersWithoutADecisionOnlyAcknowledgeTheDelivery() throws Exception {
    List<Answer> answers = List.of(new Answer(204, null), Answer.ok("ok"), Answer.ok("{\"ok\":true}"), new Answer(201, "{\"decision\":\"APPROVE\",\"approver\":\"a\"}"));
    AtomicInteger next = new AtomicInteger();
    LoopbackWebhook webhook = webhook(call -> answers.get(next.getAndIncrement()));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());

    task.put(List.of(approval("a-1"), approval("a-2"), approval("a-3"), approval("a-4")));

    assertThat(webhook.calls()).hasSize(4);
    assertThat(producer.history()).as("only a 200 carries a decision").isEmpty();
    assertThat(context.reported).isEmpty();
  }

  @Test
  void anInvalidDecisionIsReportedWithTheReasonAndNothingIsWritten() throws Exception {
    List<Answer> answers = List.of(
        Answer.ok("{\"decision\":\"APPROVE\",\"approver\":\"a\",\"edited\":{}}"),
        Answer.ok("{\"decision\":\"MAYBE\",\"approver\":\"a\"}"),
        Answer.ok("{\"decision\":\"APPROVE\"}"),
        Answer.ok("{\"decision\":\"APPROVE\",\"approver\":\"a\",\"changes\":{\"encoding\":\"JSON\",\"data\":\"e30=\"}}"));
    AtomicInteger next = new AtomicInteger();
    LoopbackWebhook webhook = webhook(call -> answers.get(next.getAndIncrement()));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());

    task.put(List.of(approval("bad-1"), approval("bad-2"), approval("bad-3"), approval("bad-4")));

    assertThat(producer.history()).isEmpty();
    assertThat(context.reported).extracting(r -> r.error().getMessage()).satisfiesExactly(
        m -> assertThat(m).contains("delivered, but").contains("run bad-1").contains("unknown field \"edited\""),
        m -> assertThat(m).contains("\"decision\":\"MAYBE\"").contains("\"APPROVE\" or \"REJECT\""),
        m -> assertThat(m).contains("run bad-3").contains("needs \"approver\""),
        m -> assertThat(m).contains("\"changes\" is the edited value itself"));
  }

  @Test
  void aServerErrorIsRetriedThroughTheWorkerWithExponentialBackoffAndDeliveredOnceItRecovers() throws Exception {
    AtomicInteger failuresLeft = new AtomicInteger(2);
    LoopbackWebhook webhook = webhook(call -> call.body().contains("flaky") && failuresLeft.getAndDecrement() > 0
        ? new Answer(503, "busy") : new Answer(202, null));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url(), "webhook.retries", "5", "webhook.retry.backoff.max.ms", "1000");
    List<SinkRecord> batch = List.of(approval("steady"), approval("flaky"));

    assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("answered HTTP 503: busy").hasMessageContaining("run flaky").hasMessageContaining("try 2 of 6");
    Thread.sleep(100);
    assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class).hasMessageContaining("try 3 of 6 in 200 ms");
    Thread.sleep(200);
    task.put(batch);

    assertThat(context.timeouts).containsExactly(100L, 200L);
    assertThat(webhook.callsFor("steady")).as("delivered records of the batch are not posted again").hasSize(1);
    assertThat(webhook.callsFor("flaky")).hasSize(3)
        .extracting(LoopbackWebhook.Call::idempotencyKey).containsOnly("flaky/refund-review");
    assertThat(context.reported).isEmpty();
  }

  @Test
  void aRetryAskedForTooEarlyWaitsTheRestOfTheBackoff() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(500, null));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url(), "webhook.retry.backoff.ms", "60000", "webhook.retry.backoff.max.ms", "60000");
    List<SinkRecord> batch = List.of(approval("early"));

    assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
    assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class).hasMessageContaining("waiting to retry");

    assertThat(webhook.calls()).hasSize(1);
    assertThat(context.timeouts.get(1)).isPositive().isLessThanOrEqualTo(60000L);
  }

  @Test
  void afterTheLastRetryTheRecordIsReportedWithTheReasonAndTheBatchGoesOn() throws Exception {
    LoopbackWebhook webhook = webhook(call -> call.body().contains("down") ? new Answer(500, "boom") : new Answer(202, null));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url(), "webhook.retry.backoff.ms", "1", "webhook.retry.backoff.max.ms", "1");
    SinkRecord down = approval("down");
    List<SinkRecord> batch = List.of(down, approval("after"));

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
      Thread.sleep(5);
    }
    task.put(batch);

    assertThat(webhook.callsFor("down")).hasSize(3);
    assertThat(webhook.callsFor("after")).hasSize(1);
    assertThat(context.reported).singleElement().satisfies(r -> {
      assertThat(r.record()).isSameAs(down);
      assertThat(r.error().getMessage()).contains("answered HTTP 500: boom").contains("approval 'refund-review' of run down")
          .contains("gave up after 3 tries");
    });
  }

  @Test
  void aClientErrorIsReportedAtOnceWithoutRetries() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(404, "no such hook"));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());

    task.put(List.of(approval("lost")));

    assertThat(webhook.calls()).hasSize(1);
    assertThat(context.reported).singleElement().extracting(r -> r.error().getMessage()).asString()
        .contains("answered HTTP 404: no such hook").contains("not retried");
  }

  @Test
  void aWebhookThatDoesNotAnswerIsRetried() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, "http://127.0.0.1:" + closedPort + "/hook");

    assertThatThrownBy(() -> task.put(List.of(approval("nobody-home")))).isInstanceOf(RetriableException.class)
        .hasMessageContaining("no answer from http://127.0.0.1:" + closedPort);
  }

  @Test
  void withoutAnErrantRecordReporterAnUndeliverableRecordStopsTheTaskSayingWhatToConfigure() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(400, null));
    ApprovalWebhookSinkTask task = task(new RecordingContext(false), webhook.url());

    assertThatThrownBy(() -> task.put(List.of(approval("stuck"))))
        .isInstanceOf(ConnectException.class).isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("HTTP 400").hasMessageContaining("errors.tolerance=all")
        .hasMessageContaining("errors.deadletterqueue.topic.name").hasMessageContaining("tried again");
  }

  @Test
  void anUndecodableRecordIsReportedNamingItsPositionAndFormat() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());

    task.put(List.of(record("stepstream.approval-requests", "garbage".getBytes(StandardCharsets.UTF_8)),
        record("stepstream.approval-requests", new byte[] {(byte) 0xC3, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}),
        record("stepstream.approval-requests", "{\"runId\":\"j-1\",\"deadline\":\"soon\"}".getBytes(StandardCharsets.UTF_8))));

    assertThat(webhook.calls()).isEmpty();
    assertThat(context.reported).extracting(r -> r.error().getMessage()).satisfiesExactly(
        m -> assertThat(m).contains("stepstream.approval-requests-0@0").contains("in none of the engine's wire formats").contains("written by the engine?"),
        m -> assertThat(m).contains("offset 1").contains("(Avro single-object encoding) does not decode"),
        m -> assertThat(m).contains("offset 2").contains("(JSON) does not decode"));
  }

  // ---- wire formats: the engine's records in JSON and in the schema-registry wire format ----

  /** What an engine in JSON mode writes to the approval-requests topic (WireCodec is what the engine writes with). */
  static byte[] inJson(ApprovalRequest request) {
    RecordHeaders headers = new RecordHeaders();
    byte[] value = WireCodec.create(WireFormat.JSON, Map.of()).encoder("stepstream.approval-requests", ApprovalRequest.class)
        .encode(request, headers);
    assertThat(headers.lastHeader("stepstream.schema")).as("the JSON form's header").isNotNull();
    return value;
  }

  /** A record in the schema-registry wire format: magic byte 0, schema id 7, the Avro body. */
  static byte[] registryFramed(ApprovalRequest request) throws Exception {
    var out = new java.io.ByteArrayOutputStream();
    out.write(new byte[] {0, 0, 0, 0, 7});
    var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    new org.apache.avro.specific.SpecificDatumWriter<ApprovalRequest>(ApprovalRequest.getClassSchema()).write(request, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  @Test
  void anApprovalRequestInTheJsonWireFormatIsPostedAsTheSameBodyAndItsDecisionWritten() throws Exception {
    LoopbackWebhook webhook = webhook(call -> Answer.ok("{\"decision\":\"APPROVE\",\"approver\":\"alice\"}"));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());
    byte[] value = inJson(request("json-1"));
    assertThat(value[0]).isEqualTo((byte) '{');

    task.put(List.of(record("stepstream.approval-requests", value), approval("avro-twin")));

    assertThat(context.reported).isEmpty();
    assertThat(webhook.calls()).extracting(LoopbackWebhook.Call::idempotencyKey).containsExactly("json-1/refund-review", "avro-twin/refund-review");
    JsonNode fromJson = json(webhook.calls().get(0).body());
    JsonNode fromAvro = json(webhook.calls().get(1).body());
    assertThat(fromJson.get("details")).isEqualTo(json("{\"customer\":\"ada\",\"amount\":12}"));
    ((com.fasterxml.jackson.databind.node.ObjectNode) fromAvro).put("runId", "json-1").put("token", "v1.k1.1767312000.b.mac-json-1");
    assertThat(fromJson).as("the same body whatever the engine's wire format").isEqualTo(fromAvro);
    ApprovalDecision decision = Envelopes.decision(producer.history().get(0).value());
    assertThat(decision.getRunId()).isEqualTo("json-1");
    assertThat(decision.getToken()).isEqualTo("v1.k1.1767312000.b.mac-json-1");
  }

  @Test
  void aResultInTheJsonWireFormatIsDelivered() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url(), "deliver.results", "true",
        "topics", "stepstream.approval-requests,stepstream.results");
    WorkflowResult done = WorkflowResult.newBuilder().setRunId("jr-1").setWorkflowType("refund-approval").setStatus(RunStatus.COMPLETED)
        .setOutput(PayloadCodec.encode(new Refund("ada", 5))).setStartedAt(1).setFinishedAt(2).build();
    byte[] value = WireCodec.create(WireFormat.JSON, Map.of()).encoder("stepstream.results", WorkflowResult.class).encode(done, new RecordHeaders());

    task.put(List.of(record("stepstream.results", value)));

    assertThat(context.reported).isEmpty();
    assertThat(webhook.calls()).singleElement().satisfies(call -> {
      assertThat(call.idempotencyKey()).isEqualTo("jr-1/result");
      assertThat(json(call.body()).get("output")).isEqualTo(json("{\"customer\":\"ada\",\"amount\":5}"));
      assertThat(json(call.body()).get("status").asText()).isEqualTo("COMPLETED");
    });
  }

  @Test
  void aRegistryFramedRecordWithoutARegistryConfiguredIsReportedSayingWhatToSet() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());

    task.put(List.of(record("stepstream.approval-requests", registryFramed(request("reg-1")))));

    assertThat(webhook.calls()).isEmpty();
    assertThat(context.reported).singleElement().extracting(r -> r.error().getMessage()).asString()
        .contains("stepstream.approval-requests-0@0").contains("schema-registry wire format (magic byte 0, schema id 7)")
        .contains("set it").contains("schema.registry.url").contains("connector's configuration");
  }

  @Test
  void aRegistryThatDoesNotAnswerIsRetriedLikeTheWebhookThenTheRecordIsReported() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url(), "schema.registry.url", "http://127.0.0.1:" + closedPort,
        "webhook.retries", "1", "webhook.retry.backoff.ms", "1", "webhook.retry.backoff.max.ms", "1");
    List<SinkRecord> batch = List.of(record("stepstream.approval-requests", registryFramed(request("reg-2"))), approval("after-reg"));

    assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("the schema registry at http://127.0.0.1:" + closedPort + " did not answer")
        .hasMessageContaining("schema id 7").hasMessageContaining("try 2 of 2");
    Thread.sleep(5);
    task.put(batch);

    assertThat(context.reported).singleElement().extracting(r -> r.error().getMessage()).asString()
        .contains("did not answer").contains("gave up after 2 tries");
    assertThat(webhook.calls()).as("only the record that decodes").extracting(LoopbackWebhook.Call::idempotencyKey)
        .containsExactly("after-reg/refund-review");
  }

  @Test
  void invalidRegistrySettingsStopTheTaskAtStartNamingTheSetting() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));

    assertThatThrownBy(() -> task(new RecordingContext(true), webhook.url(), "schema.registry.url", "http://127.0.0.1:1",
        "basic.auth.user.info", "u:p", "bearer.auth.token", "t"))
        .isInstanceOf(ConnectException.class).hasMessageContaining("schema registry settings")
        .hasMessageContaining("basic.auth.user.info").hasMessageContaining("remove one of them");
  }

  // ---- the end of a wait: the request again, with its resolution ----

  @ParameterizedTest
  @ValueSource(strings = {"APPROVED", "REJECTED", "TIMED_OUT", "CANCELLED"})
  void aResolutionIsDeliveredWithItsOwnIdempotencyKeyAndItsAnswerIsNeverADecision(String resolution) throws Exception {
    LoopbackWebhook webhook = webhook(call -> Answer.ok("{\"decision\":\"APPROVE\",\"approver\":\"alice\"}"));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());
    ApprovalRequest resolved = request("res-1");
    resolved.setResolution(resolution);

    task.put(List.of(record("stepstream.approval-requests", Envelopes.encode(resolved)),
        record("stepstream.approval-requests", inJson(resolved))));

    assertThat(webhook.calls()).hasSize(2).allSatisfy(call -> {
      assertThat(call.idempotencyKey()).isEqualTo("res-1/refund-review/" + resolution);
      assertThat(json(call.body()).get("resolution").asText()).isEqualTo(resolution);
      assertThat(json(call.body()).get("kind").asText()).isEqualTo("approval-request");
    });
    assertThat(producer.history()).as("a decision in the answer to a resolution is not written").isEmpty();
    assertThat(context.reported).isEmpty();
  }

  @Test
  void thePendingRequestAndItsResolutionAreTwoDeliveriesAndOnlyTheFirstCanDecide() throws Exception {
    LoopbackWebhook webhook = webhook(call -> Answer.ok("{\"decision\":\"REJECT\",\"approver\":\"bob\"}"));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());
    ApprovalRequest resolved = request("res-2");
    resolved.setResolution("REJECTED");

    task.put(List.of(approval("res-2"), record("stepstream.approval-requests", Envelopes.encode(resolved))));

    assertThat(webhook.calls()).extracting(LoopbackWebhook.Call::idempotencyKey)
        .containsExactly("res-2/refund-review", "res-2/refund-review/REJECTED");
    assertThat(producer.history()).singleElement().satisfies(written -> {
      assertThat(written.key()).isEqualTo("res-2");
      assertThat(Envelopes.decision(written.value()).getApproved()).isFalse();
    });
  }

  @Test
  void resultsAreDeliveredWhenAskedForAndTheirAnswersDecideNothing() throws Exception {
    LoopbackWebhook webhook = webhook(call -> Answer.ok("{\"decision\":\"APPROVE\",\"approver\":\"x\"}"));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url(), "deliver.results", "true",
        "topics", "stepstream.approval-requests,stepstream.results");
    WorkflowResult done = WorkflowResult.newBuilder().setRunId("r-9").setWorkflowType("refund-approval").setStatus(RunStatus.COMPLETED)
        .setOutput(PayloadCodec.encode("refunded 12 to ada")).setStartedAt(1).setFinishedAt(2).build();
    WorkflowResult failed = WorkflowResult.newBuilder().setRunId("r-10").setWorkflowType("refund-approval").setStatus(RunStatus.FAILED)
        .setError(ErrorInfo.newBuilder().setType("PAYMENT_DECLINED").setMessage("card declined").setStep("pay").build())
        .setStartedAt(1).setFinishedAt(2).build();

    task.put(List.of(record("stepstream.results", Envelopes.encode(done)), record("stepstream.results", Envelopes.encode(failed))));

    assertThat(webhook.calls()).extracting(LoopbackWebhook.Call::idempotencyKey).containsExactly("r-9/result", "r-10/result");
    assertThat(json(webhook.calls().get(0).body())).isEqualTo(json("""
        {"kind":"result","runId":"r-9","workflowType":"refund-approval","status":"COMPLETED","output":"refunded 12 to ada",
         "error":null,"startedAt":1,"finishedAt":2,"requestedAt":0,"usage":null}"""));
    JsonNode error = json(webhook.calls().get(1).body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("PAYMENT_DECLINED");
    assertThat(error.get("step").asText()).isEqualTo("pay");
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void anAvroPayloadIsRenderedAsItsBase64SingleObjectBytes() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));
    ApprovalWebhookSinkTask task = task(new RecordingContext(true), webhook.url());
    ApprovalRequest avroDetails = request("avro-1");
    avroDetails.setDetails(PayloadCodec.encode(ErrorInfo.newBuilder().setType("T").setMessage("m").build()));

    task.put(List.of(record("stepstream.approval-requests", Envelopes.encode(avroDetails))));

    JsonNode details = json(webhook.calls().get(0).body()).get("details");
    byte[] bytes = java.util.Base64.getDecoder().decode(details.get("$avro").asText());
    assertThat(Envelopes.looksLikeAvro(bytes)).isTrue();
  }

  @Test
  void aValueThatIsNotBytesStopsTheTaskNamingTheConverterToUse() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));
    ApprovalWebhookSinkTask task = task(new RecordingContext(true), webhook.url());

    assertThatThrownBy(() -> task.put(List.of(new SinkRecord("stepstream.approval-requests", 0, null, "k", null, "text", 0))))
        .isInstanceOf(ConnectException.class).hasMessageContaining("value.converter=org.apache.kafka.connect.converters.ByteArrayConverter");
  }

  @Test
  void decisionsCanBeTurnedOffAndThenNeedNoCluster() throws Exception {
    LoopbackWebhook webhook = webhook(call -> Answer.ok("{\"decision\":\"APPROVE\",\"approver\":\"a\"}"));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url(), "decisions.enabled", "false");

    task.put(List.of(approval("quiet")));

    assertThat(producerSettings).as("no producer made").isEmpty();
    assertThat(producer.history()).isEmpty();
    assertThat(context.reported).isEmpty();
  }

  @Test
  void tombstonesAreSkipped() throws Exception {
    LoopbackWebhook webhook = webhook(call -> new Answer(202, null));
    RecordingContext context = new RecordingContext(true);
    ApprovalWebhookSinkTask task = task(context, webhook.url());

    task.put(List.of(record("stepstream.approval-requests", null)));

    assertThat(webhook.calls()).isEmpty();
    assertThat(context.reported).isEmpty();
  }
}
