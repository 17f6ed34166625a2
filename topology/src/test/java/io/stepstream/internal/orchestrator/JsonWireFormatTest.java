package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.Workflow;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.client.WireFormat;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.WireCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An engine in JSON mode, through the TopologyTestDriver: everything it writes to public topics is
 * a JSON object a plain JSON parser reads, with the schema headers; its inputs came from a client in
 * JSON mode.
 */
@Timeout(30)
class JsonWireFormatTest {
  record Refund(String customer, int amount) {}

  record Reply(String reply) {}

  private static final ObjectMapper PLAIN = new ObjectMapper();

  private final Workflow<Refund, Reply> refund =
      (ctx, r) -> {
        Approval a = ctx.awaitApproval("refund-review", ApprovalRequest.of("Refund " + r.amount()).details(r), Duration.ofDays(1));
        Refund approved = a.edited(Refund.class).orElse(r);
        return ctx.step("pay", Reply.class, s -> new Reply("paid " + approved.amount() + " to " + approved.customer()));
      };

  private final WireCodec client = WireCodec.withRegistry(WireFormat.JSON, null);
  private final OrchestratorHarness h = new OrchestratorHarness(new WorkflowRegistry().register("refund", Refund.class, refund),
      WireCodec.withRegistry(WireFormat.JSON, null));

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void resultsEventsAndApprovalRequestsAreJsonWithSchemaHeadersAndTheirValuesInline() throws Exception {
    Headers requestHeaders = new RecordHeaders();
    h.rawRequest("r-1", client.encoder(h.topics.requests(), WorkflowRequest.class)
        .encode(new WorkflowRequest("r-1", "refund", PayloadCodec.encode(new Refund("ada", 210)), 0L), requestHeaders));
    h.settle();

    TestRecord<String, byte[]> asked = single(h.approvalRequestRecords());
    JsonNode approval = PLAIN.readTree(asked.value());
    assertThat(header(asked, "stepstream.schema")).isEqualTo("io.stepstream.avro.ApprovalRequest");
    assertThat(header(asked, "stepstream.schema.fingerprint")).matches("[0-9a-f]{16}");
    assertThat(approval.get("runId").asText()).isEqualTo("r-1");
    assertThat(approval.get("approvalName").asText()).isEqualTo("refund-review");
    assertThat(approval.get("details").get("amount").asInt()).isEqualTo(210);
    assertThat(approval.get("token").asText()).startsWith("v1.");

    ApprovalDecision decision = h.decision("r-1", "refund-review", true, "alice")
        .setEditedPayload(PayloadCodec.encode(new Refund("ada", 200))).build();
    h.rawDecision("r-1", client.encoder(h.topics.approvals(), ApprovalDecision.class).encode(decision, new RecordHeaders()));
    h.settle();

    TestRecord<String, byte[]> finished = single(h.resultRecords());
    JsonNode result = PLAIN.readTree(finished.value());
    assertThat(header(finished, "stepstream.schema")).isEqualTo("io.stepstream.avro.WorkflowResult");
    assertThat(result.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(result.get("output").get("reply").asText()).isEqualTo("paid 200 to ada");
    assertThat(result.get("error").isNull()).isTrue();

    List<TestRecord<String, byte[]>> events = h.eventRecords();
    assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(header(e, "stepstream.schema")).isEqualTo("io.stepstream.avro.AuditEvent"));
    List<String> types = events.stream().map(e -> read(e.value()).get("type").asText()).toList();
    assertThat(types).contains("RUN_STARTED", "APPROVAL_REQUESTED", "APPROVAL_DECIDED", "STEP_COMPLETED", "RUN_COMPLETED");
  }

  @Test
  void aDeadLetterIsJsonWithTheOriginalValueInBase64AndTheErrorHeaders() throws Exception {
    byte[] garbage = "not a request".getBytes(StandardCharsets.UTF_8);

    h.rawRequest("r-2", garbage);

    TestRecord<String, byte[]> dead = single(h.deadLetterRecords());
    JsonNode letter = PLAIN.readTree(dead.value());
    assertThat(header(dead, "stepstream.schema")).isEqualTo("io.stepstream.avro.DeadLetter");
    assertThat(header(dead, "stepstream.error.type")).isEqualTo("UNDECODABLE_REQUEST");
    assertThat(letter.get("errorType").asText()).isEqualTo("UNDECODABLE_REQUEST");
    assertThat(letter.get("value").binaryValue()).isEqualTo(garbage);
    assertThat(new String(letter.get("key").binaryValue(), StandardCharsets.UTF_8)).isEqualTo("r-2");
    assertThat(OrchestratorHarness.decode(dead).getErrorType()).isEqualTo("UNDECODABLE_REQUEST");
  }

  private static JsonNode read(byte[] value) {
    try {
      return PLAIN.readTree(value);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + new String(value, StandardCharsets.UTF_8), e);
    }
  }

  private static TestRecord<String, byte[]> single(List<TestRecord<String, byte[]>> records) {
    assertThat(records).hasSize(1);
    return records.get(0);
  }

  private static String header(TestRecord<String, byte[]> record, String name) {
    var h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
