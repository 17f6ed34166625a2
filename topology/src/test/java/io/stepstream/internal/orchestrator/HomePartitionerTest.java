package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HomePartitionerTest {
  @Test
  void aRunsHomeIsWhereJavasDefaultPartitionerPutsItsRunId() {
    for (int partitions : new int[] {1, 2, 6, 12}) {
      HomePartitioner home = new HomePartitioner(partitions);
      for (int i = 0; i < 1_000; i++) {
        String runId = "run-" + i;
        int java = BuiltInPartitioner.partitionForKey(runId.getBytes(StandardCharsets.UTF_8), partitions);
        assertThat(home.of(runId)).isEqualTo(java);
        assertThat(home.isHome(runId, java)).isTrue();
        assertThat(home.partitions("any", runId, new byte[0], partitions)).isEqualTo(Optional.of(Set.of(java)));
      }
    }
  }

  @Test
  void withOnePartitionEveryRecordIsHome() {
    assertThat(new HomePartitioner(1).isHome("anything", 0)).isTrue();
  }
}
