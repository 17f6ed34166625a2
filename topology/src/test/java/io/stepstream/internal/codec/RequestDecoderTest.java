package io.stepstream.internal.codec;

import static io.stepstream.internal.codec.ExternalInputDecoderTest.assertUndecodable;
import static io.stepstream.internal.codec.ExternalInputDecoderTest.truncated;
import static io.stepstream.internal.codec.ExternalInputDecoderTest.unknownFingerprint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.WorkflowRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RequestDecoderTest {

  @Test
  void acceptsTheAvroEnvelope() {
    WorkflowRequest request = new WorkflowRequest("r1", "order", PayloadCodec.encode("in"), 5L);

    assertThat(RequestDecoder.decode(Envelopes.encode(request))).isEqualTo(request);
  }

  @Test
  void acceptsTheDocumentedJsonWithAnyInput() {
    WorkflowRequest r = RequestDecoder.decode(utf8("  {\"workflowType\":\"order\",\"input\":[1,2,3],\"requestedAt\":9}"));

    assertThat(r.getWorkflowType()).isEqualTo("order");
    assertThat(r.getRunId()).isEmpty(); // the record key is used
    assertThat(r.getRequestedAt()).isEqualTo(9L);
    assertThat(PayloadCodec.describe(r.getInput())).isEqualTo("[1,2,3]");
  }

  record Invoice(java.math.BigDecimal amount, int items) {}

  @Test
  void decimalsInAJsonInputKeepEveryDigitAndAFractionNeverBindsToAnInt() {
    WorkflowRequest r = RequestDecoder.decode(utf8(
        "{\"workflowType\":\"bill\",\"input\":{\"amount\":12345678901234567.891,\"items\":3}}"));

    assertThat(PayloadCodec.decode(r.getInput(), Invoice.class).amount()).isEqualByComparingTo("12345678901234567.891");
    WorkflowRequest scaled = RequestDecoder.decode(utf8("{\"workflowType\":\"bill\",\"input\":{\"amount\":100.00,\"items\":1}}"));
    assertThat(PayloadCodec.describe(scaled.getInput())).as("the run's input as written, scale kept").isEqualTo("{\"amount\":100.00,\"items\":1}");
    WorkflowRequest fractional = RequestDecoder.decode(utf8("{\"workflowType\":\"bill\",\"input\":{\"amount\":1,\"items\":2.5}}"));
    assertThatThrownBy(() -> PayloadCodec.decode(fractional.getInput(), Invoice.class)).hasMessageContaining("items");
  }

  @Test
  void jsonWithoutAWorkflowTypeIsInvalid() {
    assertThatThrownBy(() -> RequestDecoder.decode(utf8("{\"input\":{}}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_REQUEST"))
        .hasMessageContaining("workflowType");
  }

  @Test
  void anUnknownRequestFieldIsNamedWithTheFieldsThatExist() {
    assertThatThrownBy(() -> RequestDecoder.decode(utf8("{\"workflowType\":\"order\",\"inputs\":{}}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_REQUEST"))
        .hasMessageContaining("\"inputs\"")
        .hasMessageContaining("workflowType, input");
  }

  @Test
  void theUndocumentedTypeAliasIsRefusedWithAHint() {
    assertThatThrownBy(() -> RequestDecoder.decode(utf8("{\"type\":\"order\",\"input\":1}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_REQUEST"))
        .hasMessageContaining("\"type\"")
        .hasMessageContaining("\"workflowType\"");
  }

  @Test
  void aWorkflowTypeThatIsNotTextIsInvalid() {
    assertThatThrownBy(() -> RequestDecoder.decode(utf8("{\"workflowType\":{\"name\":\"order\"}}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_REQUEST"))
        .hasMessageContaining("\"workflowType\"")
        .hasMessageContaining("must be a string");
  }

  @Test
  void theDocumentedJsonCancelCommandIsAccepted() {
    var inbound = RequestDecoder.decodeInbound(utf8("{\"command\":\"cancel\",\"reason\":\"changed my mind\",\"requestedBy\":\"ops\"}"));

    assertThat(inbound).isInstanceOfSatisfying(RequestDecoder.Command.class, c -> {
      assertThat(c.command().getType()).isEqualTo(RunCommandType.CANCEL);
      assertThat(c.command().getReason()).isEqualTo("changed my mind");
      assertThat(c.command().getCommandId()).isNotBlank();
    });
  }

  @Test
  void aCancelCommandWithAnUnknownFieldIsInvalid() {
    assertThatThrownBy(() -> RequestDecoder.decodeInbound(utf8("{\"command\":\"cancel\",\"why\":\"x\"}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_COMMAND"))
        .hasMessageContaining("\"why\"")
        .hasMessageContaining("reason");
  }

  @Test
  void brokenJsonAndRandomBytesAreUndecodable() {
    assertThatThrownBy(() -> RequestDecoder.decode(utf8("{not json")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("UNDECODABLE_REQUEST"));
    assertThatThrownBy(() -> RequestDecoder.decode(new byte[] {9, 9, 9}))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("UNDECODABLE_REQUEST"))
        .hasMessageContaining("keyed by the run id");
  }

  @Test
  void avroMarkedGarbageIsUndecodableNotAnEngineError() {
    byte[] request = Envelopes.encode(new WorkflowRequest("r1", "order", null, 0L));
    byte[] command = Envelopes.encode(RunCommand.newBuilder().setRunId("r1").setCommandId("c").setType(RunCommandType.CANCEL).build());

    assertUndecodable(() -> RequestDecoder.decodeInbound(truncated(request)), "UNDECODABLE_REQUEST", "does not decode");
    assertUndecodable(() -> RequestDecoder.decodeInbound(unknownFingerprint(request)), "UNDECODABLE_REQUEST", "fingerprint");
    assertUndecodable(() -> RequestDecoder.decodeInbound(truncated(command)), "UNDECODABLE_COMMAND", "does not decode");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
