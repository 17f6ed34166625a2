package io.stepstream.internal.orchestrator;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * A run's home partition: where Java's default partitioner puts its run id (murmur2), the same on
 * every topic. The engine's own records (step outcomes, results, events) go there; external records
 * found elsewhere are moved there.
 */
final class HomePartitioner implements StreamPartitioner<String, byte[]> {
  private final int partitions;

  HomePartitioner(int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
    }
    this.partitions = partitions;
  }

  int of(String runId) {
    return Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  boolean isHome(String runId, int partition) {
    return partitions == 1 || of(runId) == partition;
  }

  @Override
  public Optional<Set<Integer>> partitions(String topic, String key, byte[] value, int numPartitions) {
    if (key == null) {
      return Optional.empty();
    }
    int home = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % numPartitions;
    return Optional.of(Set.of(home));
  }
}
