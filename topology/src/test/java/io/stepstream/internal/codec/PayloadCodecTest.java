package io.stepstream.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.PayloadEncoding;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PayloadCodecTest {
  record Item(String name, int quantity, Instant at, List<String> tags) {}

  record Refund(String customer, int amount) {}

  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
  record Tolerant(String customer) {}

  record Named(@com.fasterxml.jackson.annotation.JsonProperty(required = true) String customer, Integer amount) {}

  static final class Pojo {
    public String customer;
    public int amount;
  }

  @Test
  void recordsTravelAsJson() {
    Item item = new Item("book", 2, Instant.parse("2026-01-01T10:00:00Z"), List.of("a", "b"));

    var payload = PayloadCodec.encode(item);

    assertThat(payload.getEncoding()).isEqualTo(PayloadEncoding.JSON);
    assertThat(PayloadCodec.describe(payload)).contains("\"name\":\"book\"").contains("2026-01-01T10:00:00Z");
    assertThat(PayloadCodec.decode(payload, Item.class)).isEqualTo(item);
  }

  @Test
  void avroGeneratedTypesTravelAsAvro() {
    ErrorInfo avro = ErrorInfo.newBuilder().setType("T").setMessage("m").setStep("s").build();

    var payload = PayloadCodec.encode(avro);

    assertThat(payload.getEncoding()).isEqualTo(PayloadEncoding.AVRO);
    assertThat(PayloadCodec.decode(payload, ErrorInfo.class)).isEqualTo(avro);
  }

  @Test
  void anAvroPayloadWhoseLengthsDoNotFitIsRefusedBeforeDecoding() {
    byte[] good = PayloadCodec.bytes(PayloadCodec.encode(ErrorInfo.newBuilder().setType("T").setMessage("m").setStep("s").build()));
    byte[] bad = java.util.Arrays.copyOf(good, 10 + 5);
    System.arraycopy(new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07}, 0, bad, 10, 5); // a 2 GB string

    var payload = new io.stepstream.avro.Payload(PayloadEncoding.AVRO, java.nio.ByteBuffer.wrap(bad), null, null);

    assertThatThrownBy(() -> PayloadCodec.decode(payload, ErrorInfo.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("bytes remain");
  }

  @Test
  void nullAndVoidStayNull() {
    assertThat(PayloadCodec.encode(null)).isNull();
    assertThat(PayloadCodec.decode(PayloadCodec.encode("x"), Void.class)).isNull();
  }

  @Test
  void aValueThatCannotBeDecodedAsTheAskedTypeSaysWhichTypeAndWhy() {
    var payload = PayloadCodec.encode("just text");

    assertThatThrownBy(() -> PayloadCodec.decode(payload, Item.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("JSON payload as " + Item.class.getName());
  }

  @Test
  void anUnknownPropertyIsRefusedAndNamed() {
    var payload = PayloadCodec.rawJson(utf8("{\"customer\":\"ada\",\"amout\":210}"));

    assertThatThrownBy(() -> PayloadCodec.decode(payload, Pojo.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("\"amout\"");
  }

  @Test
  void anUnknownPropertyOfARecordIsRefusedAndNamed() {
    var payload = PayloadCodec.rawJson(utf8("{\"customer\":\"ada\",\"amount\":210,\"note\":\"x\"}"));

    assertThatThrownBy(() -> PayloadCodec.decode(payload, Refund.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("\"note\"");
  }

  @Test
  void aMissingReferenceFieldIsNullUnlessMarkedRequired() {
    assertThat(PayloadCodec.decode(PayloadCodec.rawJson(utf8("{\"customer\":\"ada\"}")), Named.class)).isEqualTo(new Named("ada", null));
    assertThatThrownBy(() -> PayloadCodec.decode(PayloadCodec.rawJson(utf8("{\"amount\":210}")), Named.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("\"customer\"");
  }

  @Test
  void theAvroPayloadWrapperDoesNotSilentlyBecomeNullAndZero() {
    var payload = PayloadCodec.rawJson(utf8("{\"encoding\":\"JSON\",\"data\":\"eyJ9\"}"));

    assertThatThrownBy(() -> PayloadCodec.decode(payload, Refund.class)).isInstanceOf(PayloadCodec.PayloadException.class);
  }

  @Test
  void aMissingOrNullPrimitiveIsRefusedAndNamed() {
    assertThatThrownBy(() -> PayloadCodec.decode(PayloadCodec.rawJson(utf8("{\"customer\":\"ada\"}")), Refund.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("\"amount\"")
        .hasMessageNotContaining("DeserializationFeature");
    assertThatThrownBy(() -> PayloadCodec.decode(PayloadCodec.rawJson(utf8("{\"customer\":\"ada\",\"amount\":null}")), Pojo.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("\"amount\"");
  }

  @Test
  void aFractionIsNotTruncatedIntoAnInteger() {
    assertThatThrownBy(() -> PayloadCodec.decode(PayloadCodec.rawJson(utf8("{\"customer\":\"ada\",\"amount\":2.5}")), Refund.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("\"amount\"");
  }

  @Test
  void aTypeCanOptOutOfUnknownPropertyChecksWithJackson() {
    var payload = PayloadCodec.rawJson(utf8("{\"customer\":\"ada\",\"removedLater\":1}"));

    assertThat(PayloadCodec.decode(payload, Tolerant.class)).isEqualTo(new Tolerant("ada"));
  }

  @Test
  void aNestedProblemNamesItsPath() {
    var payload = PayloadCodec.rawJson(utf8("{\"name\":\"x\",\"quantity\":1,\"at\":null,\"tags\":[\"a\",{\"b\":1}]}"));

    assertThatThrownBy(() -> PayloadCodec.decode(payload, Item.class))
        .isInstanceOf(PayloadCodec.PayloadException.class)
        .hasMessageContaining("tags[1]");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
