package io.stepstream.internal.client;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/** The consumers the client reads with, and where a run id's records live. */
public final class Consumers {
  private Consumers() {}

  /** Group-less, read_committed (only results and events of committed engine transactions), no commits. */
  public static KafkaConsumer<String, byte[]> readCommitted(Map<String, Object> base) {
    Map<String, Object> c = new HashMap<>(base);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** The partition Kafka's default partitioner (murmur2) puts a record keyed {@code key} on: what the engine and this client use. */
  public static int partitionOf(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
