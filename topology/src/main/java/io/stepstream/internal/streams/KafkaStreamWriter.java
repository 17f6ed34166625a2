package io.stepstream.internal.streams;

import io.stepstream.internal.client.streams.StreamRecord;
import io.stepstream.internal.client.streams.StreamRecords;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes stream records with an idempotent, NON-transactional producer (acks=all), keyed by run id,
 * so Kafka's default partitioner (murmur2) puts them on the run's home partition like the engine's
 * other records. Not in the engine's transaction on purpose: a step body runs outside it, and
 * followers want tokens now, not at the next commit. The idempotent producer keeps one
 * producer's records of a partition in order and without duplicates from its own retries.
 *
 * <p>The producer is created on the first record, so an engine whose steps never stream has none.
 * A record the broker does not take within {@code delivery.timeout.ms} is lost (logged once per
 * failure); its sequence number is then missing for followers.
 */
public final class KafkaStreamWriter implements StreamWriter {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaStreamWriter.class);
  private final Map<String, Object> clientConfig;
  private final String topic;
  private KafkaProducer<String, byte[]> producer;
  private boolean closed;

  public KafkaStreamWriter(Map<String, Object> clientConfig, String topic) {
    this.clientConfig = Map.copyOf(clientConfig);
    this.topic = topic;
  }

  @Override
  public Future<?> send(StreamRecord record) {
    KafkaProducer<String, byte[]> p = producer();
    if (p == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("the engine is closing; stream record of run " + record.runId() + " dropped"));
    }
    return p.send(new ProducerRecord<>(topic, record.runId(), StreamRecords.encode(record)), (meta, e) -> {
      if (e != null) {
        LOG.warn("run {}: stream record {} #{} of step '{}' attempt {} not written to {}: {}", record.runId(), record.type(), record.seq(),
            record.step(), record.attempt(), topic, e.toString());
      }
    });
  }

  private synchronized KafkaProducer<String, byte[]> producer() {
    if (producer == null && !closed) {
      Map<String, Object> config = new HashMap<>(clientConfig);
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
      config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
      config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "stepstream-streams");
      producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
      producer = null;
    }
  }
}
