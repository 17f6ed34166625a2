package io.stepstream.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.PayloadEncoding;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadCodecTest {
  record Item(String name, int quantity, Instant at, List<String> tags) {}

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
}
