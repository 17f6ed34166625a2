package io.stepstream.internal.client.streams;

import io.stepstream.client.StreamEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one run's records from {@code <prefix>.streams}: one group-less consumer (read_committed,
 * so an aborted transaction's run-end is never seen) assigned to the run's partition (murmur2 of
 * the run id, as the writers put it), from a position or the beginning, skipping other runs'
 * records. Not thread-safe: one thread calls {@link #next} and {@link #close}.
 *
 * <pre>{@code
 * try (StreamFollower f = new StreamFollower(config, topics.streams(), "r-1", null, Duration.ofSeconds(10))) {
 *   StreamEvent e;
 *   while ((e = f.next(Duration.ofSeconds(30))) != null && e.kind() != StreamEvent.Kind.RUN_END) { ... }
 * }
 * }</pre>
 */
public final class StreamFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamFollower.class);
  private static final Duration POLL_SLICE = Duration.ofMillis(200);

  private final String runId;
  private final KafkaConsumer<String, byte[]> consumer;
  private final TopicPartition partition;
  private final Deque<StreamEvent> buffered = new ArrayDeque<>();
  private String position;
  private boolean ended;

  /**
   * @param after a position an earlier event gave (resume after it), or null: from the beginning
   * @throws IllegalStateException when the topic does not exist
   * @throws IllegalArgumentException when {@code after} is not a position of this run's stream
   */
  public StreamFollower(Map<String, Object> clientConfig, String topic, String runId, String after, Duration metadataTimeout) {
    this.runId = runId;
    Map<String, Object> c = new HashMap<>(clientConfig);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // a position older than the retention: from the oldest record left
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    try {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic, metadataTimeout);
      if (partitions == null || partitions.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist: an engine with token streams creates it when it starts"
            + " (or create it with the same partition count as the other Stepstream topics)");
      }
      partition = new TopicPartition(topic, io.stepstream.internal.client.Consumers.partitionOf(runId, partitions.size()));
      long from = StreamPositions.offsetOf(after, partition.partition(), runId);
      consumer.assign(List.of(partition));
      if (from < 0) {
        consumer.seekToBeginning(List.of(partition));
        position = null;
      } else {
        consumer.seek(partition, from);
        position = after;
      }
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
  }

  /**
   * The next event of the run, waiting up to {@code timeout}; null if none came in time, and after
   * the run's end (then {@link #ended()}).
   */
  public StreamEvent next(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (buffered.isEmpty() && !ended) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofNanos(Math.min(left, POLL_SLICE.toNanos())))) {
        if (runId.equals(r.key())) {
          StreamEvent event = toEvent(r);
          if (event != null) {
            buffered.add(event);
          }
        }
      }
    }
    StreamEvent next = buffered.poll();
    if (next != null) {
      position = next.position();
      if (next.kind() == StreamEvent.Kind.RUN_END) {
        ended = true;
        buffered.clear();
      }
    }
    return next;
  }

  /** The run's end was delivered: nothing more comes. */
  public boolean ended() {
    return ended && buffered.isEmpty();
  }

  /** Where to resume to get what comes after the last event {@link #next} returned; null: from the beginning. */
  public String position() {
    return position;
  }

  private StreamEvent toEvent(ConsumerRecord<String, byte[]> r) {
    StreamRecord s;
    try {
      s = StreamRecords.decode(r.value());
    } catch (IllegalArgumentException e) {
      LOG.warn("skipping record {}-{} of run {} on {}: {}", r.partition(), r.offset(), runId, r.topic(), e.getMessage());
      return null;
    }
    return new StreamEvent(kind(s.type()), s.runId(), s.step(), s.attempt(), s.executionId(), s.seq(), s.text(), s.status(), s.error(),
        Instant.ofEpochMilli(s.at()), StreamPositions.of(r.partition(), r.offset() + 1));
  }

  private static StreamEvent.Kind kind(String type) {
    return switch (type) {
      case StreamRecord.BEGIN -> StreamEvent.Kind.BEGIN;
      case StreamRecord.CHUNK -> StreamEvent.Kind.CHUNK;
      case StreamRecord.END -> StreamEvent.Kind.END;
      default -> StreamEvent.Kind.RUN_END;
    };
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(1));
  }
}
