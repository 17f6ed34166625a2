package io.stepstream.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.avro.WorkflowRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {

  @Test
  void acceptsTheAvroEnvelope() {
    WorkflowRequest request = new WorkflowRequest("r1", "order", PayloadCodec.encode("in"), 5L);

    assertThat(RequestDecoder.decode(Envelopes.encode(request))).isEqualTo(request);
  }

  @Test
  void acceptsJsonWithTypeAliasAndAnyInput() {
    WorkflowRequest r = RequestDecoder.decode(utf8("  {\"type\":\"order\",\"input\":[1,2,3]}"));

    assertThat(r.getWorkflowType()).isEqualTo("order");
    assertThat(r.getRunId()).isEmpty(); // the record key is used
    assertThat(PayloadCodec.describe(r.getInput())).isEqualTo("[1,2,3]");
  }

  @Test
  void jsonWithoutAWorkflowTypeIsInvalid() {
    assertThatThrownBy(() -> RequestDecoder.decode(utf8("{\"input\":{}}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_REQUEST"))
        .hasMessageContaining("workflowType");
  }

  @Test
  void brokenJsonAndRandomBytesAreUndecodable() {
    assertThatThrownBy(() -> RequestDecoder.decode(utf8("{not json")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("UNDECODABLE_REQUEST"));
    assertThatThrownBy(() -> RequestDecoder.decode(new byte[] {9, 9, 9}))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("UNDECODABLE_REQUEST"))
        .hasMessageContaining("keyed by the run id");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
