package io.stepstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class WireFormatTest {
  @Test
  void aRegistryUrlInTheKafkaPropertiesMakesTheRegistryFormatTheDefault() {
    assertThat(WireFormat.defaultFor(Map.of("schema.registry.url", "http://registry:8081"))).isEqualTo(WireFormat.SCHEMA_REGISTRY);
    assertThat(WireFormat.defaultFor(Map.of("schema.registry.url", " "))).isEqualTo(WireFormat.AVRO_SINGLE_OBJECT);
    assertThat(WireFormat.defaultFor(Map.of())).isEqualTo(WireFormat.AVRO_SINGLE_OBJECT);
  }

  @Test
  void commandLineNamesAreJsonAvroAndRegistry() {
    assertThat(WireFormat.parse("json")).isEqualTo(WireFormat.JSON);
    assertThat(WireFormat.parse("AVRO")).isEqualTo(WireFormat.AVRO_SINGLE_OBJECT);
    assertThat(WireFormat.parse("schema-registry")).isEqualTo(WireFormat.SCHEMA_REGISTRY);
    assertThatThrownBy(() -> WireFormat.parse("xml")).hasMessageContaining("choose json, avro (single-object) or registry");
  }

  @Test
  void aClientAskedForTheRegistryFormatWithoutARegistryIsRefusedBeforeItConnects() {
    assertThatThrownBy(() -> WorkflowClient.builder().bootstrapServers("127.0.0.1:1").wireFormat(WireFormat.SCHEMA_REGISTRY).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("set schema.registry.url");
  }
}
