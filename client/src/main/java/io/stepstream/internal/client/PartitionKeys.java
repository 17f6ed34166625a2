package io.stepstream.internal.client;

/** Keys that land on a chosen partition (by Kafka's default partitioner): for commands meant for every partition. */
public final class PartitionKeys {
  private PartitionKeys() {}

  /** {@code prefix + n} for the smallest n whose key the default partitioner puts on {@code partition}. */
  public static String keyFor(String prefix, int partition, int partitions) {
    for (int n = 0; ; n++) {
      String key = prefix + n;
      if (Consumers.partitionOf(key, partitions) == partition) {
        return key;
      }
    }
  }
}
