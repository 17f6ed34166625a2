package io.stepstream.cli;

import io.stepstream.client.Topics;
import io.stepstream.avro.AuditEvent;
import io.stepstream.client.WireFormat;
import io.stepstream.internal.codec.WireCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Prints the audit trail (events topic) as it is committed, one line per state transition. */
final class ProgressPrinter implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  /** Only read with: events in any wire format (registry-framed ones when the properties name a registry). */
  private final WireCodec wire;
  private final Thread thread;
  private volatile boolean closed;

  private ProgressPrinter(Map<String, ?> kafkaProperties, String bootstrap, Topics topics) {
    wire = WireCodec.create(WireFormat.AVRO_SINGLE_OBJECT, kafkaProperties);
    Map<String, Object> config = new java.util.HashMap<>(kafkaProperties);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(topics.events(), Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .collect(Collectors.toList());
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    thread = new Thread(this::loop, "stepstream-progress");
    thread.setDaemon(true);
    thread.start();
  }

  static ProgressPrinter follow(Map<String, ?> kafkaProperties, String bootstrap, Topics topics) {
    return new ProgressPrinter(kafkaProperties, bootstrap, topics);
  }

  /** Gives the last events a moment to arrive before the summary is printed. */
  void drain() throws InterruptedException {
    Thread.sleep(300);
  }

  private void loop() {
    try {
      while (!closed) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          AuditEvent e = wire.reader().auditEvent(r.value());
          System.out.printf(
              "  %-28s %-16s %s%s%n",
              e.getRunId(),
              e.getType(),
              e.getStep() == null ? "" : e.getStep(),
              e.getDetail() == null ? "" : "  (" + e.getDetail() + ")");
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
      wire.close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    consumer.wakeup();
    thread.join(5_000);
  }
}
