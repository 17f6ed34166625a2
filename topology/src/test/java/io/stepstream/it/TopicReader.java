package io.stepstream.it;

import io.stepstream.internal.client.TopicScanner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads a whole topic (to its current end), read_committed, as a checker would. */
public final class TopicReader {
  private TopicReader() {}

  public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
    return TopicScanner.readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic, -1, Duration.ofSeconds(30));
  }
}
