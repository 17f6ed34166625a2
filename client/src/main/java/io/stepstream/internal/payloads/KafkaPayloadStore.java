package io.stepstream.internal.payloads;

import io.stepstream.avro.ClaimCheck;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The default {@link PayloadStore}: chunks of at most {@code chunkBytes} on the compacted topic
 * {@code <prefix>.payloads}, all chunks of a value in one partition (chosen from its key), written
 * with an idempotent producer and acks=all. The reference records partition and offsets, so a reader
 * (any Kafka client) assigns the partition and seeks: no scan, no consumer group.
 *
 * <p>Compaction keeps the newest record per key: if the same chunk was written again later (a retried
 * step producing the same bytes), the record at the referenced offset may be gone, and the reader reads
 * on until the key matches (the copy is later in the same partition). A tombstone (run expiry) or the
 * end of the partition without the key is a missing chunk: an error, never a wrong value.
 *
 * <p>Producer and consumer are created on first use (a client that never meets a reference opens
 * neither); reads are serialized on one consumer.
 */
public final class KafkaPayloadStore implements PayloadStore {
  private final Map<String, Object> clientConfig;
  private final String topic;
  private final int chunkBytes;
  private final Duration timeout;
  private KafkaProducer<String, byte[]> producer;
  private KafkaConsumer<String, byte[]> consumer;

  public KafkaPayloadStore(Map<String, Object> clientConfig, String topic, int chunkBytes, Duration timeout) {
    this.clientConfig = Map.copyOf(clientConfig);
    this.topic = topic;
    this.chunkBytes = chunkBytes;
    this.timeout = timeout;
  }

  public String topic() {
    return topic;
  }

  @Override
  public ClaimCheck write(String runId, String sha256, byte[] bytes) {
    String key = Chunks.key(runId, sha256);
    List<byte[]> chunks = Chunks.split(bytes, chunkBytes);
    KafkaProducer<String, byte[]> p = producer();
    try {
      int partitions = p.partitionsFor(topic).size();
      int partition = Utils.toPositive(Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < chunks.size(); i++) {
        sent.add(p.send(new ProducerRecord<>(topic, partition, Chunks.chunkKey(key, i), chunks.get(i))));
      }
      List<Long> offsets = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      for (Future<RecordMetadata> f : sent) {
        offsets.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).offset());
      }
      return ClaimCheck.newBuilder().setSha256(sha256).setSize(bytes.length).setTopic(topic).setPartition(partition).setKey(key)
          .setOffsets(offsets).build();
    } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
      throw ClaimCheckException.transientFailure("a " + bytes.length + "-byte value of run " + runId + " was not stored on " + topic
          + " (not acknowledged within " + timeout.toSeconds() + " s: " + e + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ClaimCheckException.transientFailure("interrupted while storing a value of run " + runId + " on " + topic, e);
    }
  }

  @Override
  public synchronized List<byte[]> read(ClaimCheck ref) {
    KafkaConsumer<String, byte[]> c = consumer();
    TopicPartition tp = new TopicPartition(ref.getTopic(), ref.getPartition());
    c.assign(List.of(tp));
    Deque<ConsumerRecord<String, byte[]>> pending = new ArrayDeque<>();
    List<byte[]> chunks = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    long next = -1; // the offset of the next record the consumer hands out (pending first)
    for (int i = 0; i < ref.getOffsets().size(); i++) {
      long at = ref.getOffsets().get(i);
      String wanted = Chunks.chunkKey(ref.getKey(), i);
      while (!pending.isEmpty() && pending.peek().offset() < at) {
        pending.poll();
      }
      // sequential chunks need no seek; one compacted away may have sent the scan past this one
      boolean inPlace = pending.isEmpty() ? next == at : pending.peek().offset() == at;
      if (!inPlace) {
        pending.clear();
        c.seek(tp, at);
        next = at;
      }
      byte[] found = null;
      while (found == null) {
        if (pending.isEmpty()) {
          var polled = c.poll(Duration.ofMillis(200));
          polled.records(tp).forEach(pending::add);
          if (pending.isEmpty()) {
            long end = c.endOffsets(List.of(tp), timeout).get(tp);
            if (c.position(tp) >= end) {
              throw missing(ref, i, "not found from offset " + at + " to the end of the partition (" + end + ")");
            }
            if (System.nanoTime() > deadline) {
              throw ClaimCheckException.transientFailure("chunk " + i + " of the claim-checked value " + Chunks.describe(ref)
                  + " was not read within " + timeout.toSeconds() + " s", null);
            }
            continue;
          }
        }
        ConsumerRecord<String, byte[]> r = pending.poll();
        next = r.offset() + 1;
        if (r.offset() < at || !wanted.equals(r.key())) {
          continue; // compacted away: its later copy lies ahead in this partition
        }
        if (r.value() == null) {
          throw missing(ref, i, "deleted (a tombstone at offset " + r.offset() + ": the run expired)");
        }
        found = r.value();
      }
      chunks.add(found);
    }
    return chunks;
  }

  private static ClaimCheckException missing(ClaimCheck ref, int chunk, String why) {
    return ClaimCheckException.permanent("chunk " + chunk + " of the claim-checked value " + Chunks.describe(ref) + " is missing: " + why);
  }

  private synchronized KafkaProducer<String, byte[]> producer() {
    if (producer == null) {
      Map<String, Object> config = new HashMap<>(clientConfig);
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "stepstream-payloads");
      config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
      producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  private KafkaConsumer<String, byte[]> consumer() {
    if (consumer == null) {
      Map<String, Object> config = new HashMap<>(clientConfig);
      config.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign and seek: no group
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // below the log start: read on from there
      config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "stepstream-payloads-reader");
      consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }
    return consumer;
  }

  @Override
  public synchronized void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(5));
    }
  }
}
