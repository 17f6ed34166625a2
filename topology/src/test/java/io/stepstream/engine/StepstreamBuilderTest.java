package io.stepstream.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class StepstreamBuilderTest {
  @TempDir Path dir;

  private Stepstream.Builder withAWorkflow() {
    return Stepstream.builder().stateDir(dir.resolve("state")).register("w", String.class, (ctx, in) -> in);
  }

  @Test
  void anEngineWithoutAClusterOutsideDevModeIsRefusedWithWhatToSet() {
    assertThatThrownBy(() -> withAWorkflow().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no Kafka cluster")
        .hasMessageContaining("bootstrapServers")
        .hasMessageContaining("devMode()");
    assertThat(dir.resolve("state")).doesNotExist();
  }

  @Test
  void bootstrapServersMayComeFromTheKafkaProperties() {
    Stepstream engine = withAWorkflow().kafkaProperties(Map.of("bootstrap.servers", "broker-1:9093")).build();

    assertThat(engine).isNotNull();
  }

  @Test
  void theRegistryWireFormatWithoutARegistryUrlIsRefusedAtBuildAndIsTheDefaultWithOne() {
    assertThatThrownBy(() -> withAWorkflow().bootstrapServers("broker-1:9093").wireFormat(io.stepstream.client.WireFormat.SCHEMA_REGISTRY).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("set schema.registry.url");
    assertThat(withAWorkflow().kafkaProperties(Map.of("schema.registry.url", "http://r:8081")).wireFormat())
        .isEqualTo(io.stepstream.client.WireFormat.SCHEMA_REGISTRY);
    assertThat(withAWorkflow().wireFormat()).isEqualTo(io.stepstream.client.WireFormat.AVRO_SINGLE_OBJECT);
    assertThat(withAWorkflow().kafkaProperties(Map.of("schema.registry.url", "http://r:8081")).wireFormat(io.stepstream.client.WireFormat.JSON)
        .wireFormat()).isEqualTo(io.stepstream.client.WireFormat.JSON);
  }

  @Test
  void devModeAndAClusterTogetherAreRefused() {
    assertThatThrownBy(() -> withAWorkflow().devMode().bootstrapServers("broker-1:9093").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("choose one");
  }
}
