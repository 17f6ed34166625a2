package io.stepstream.internal.connect;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Where the records of the batch being delivered stand across the task's {@code put} calls. When a POST fails and
 * may pass later, the task asks Connect to hand it the same batch again after the backoff (a {@code
 * RetriableException} with {@code context.timeout}): the worker keeps polling meanwhile with the partitions paused,
 * so the task stays in its group and stops promptly. This book remembers which records of the batch are already
 * done (not POSTed twice) and how often each failed.
 */
public final class RetryBook {
  private record Position(String topic, int partition, long offset) {
    static Position of(SinkRecord record) {
      return new Position(record.originalTopic(), record.originalKafkaPartition(), record.originalKafkaOffset());
    }
  }

  private final Set<Position> done = new HashSet<>();
  private final Map<Position, Integer> failures = new HashMap<>();
  private final Map<Position, Long> nextTryAt = new HashMap<>();

  public boolean isDone(SinkRecord record) {
    return done.contains(Position.of(record));
  }

  public void done(SinkRecord record) {
    Position p = Position.of(record);
    done.add(p);
    failures.remove(p);
    nextTryAt.remove(p);
  }

  /** Milliseconds until {@code record} may be tried again (0: now). */
  public long waitBeforeNextTry(SinkRecord record, long nowMs) {
    Long at = nextTryAt.get(Position.of(record));
    return at == null ? 0 : Math.max(0, at - nowMs);
  }

  /** Records a failed try, returning how many tries have failed. */
  public int failed(SinkRecord record) {
    return failures.merge(Position.of(record), 1, Integer::sum);
  }

  public void retryAt(SinkRecord record, long atMs) {
    nextTryAt.put(Position.of(record), atMs);
  }

  /** The batch went through: nothing to remember. */
  public void clear() {
    done.clear();
    failures.clear();
    nextTryAt.clear();
  }

  /** Partitions this task no longer owns: their records will come again from the committed offsets, to some task. */
  public void forget(Collection<TopicPartition> partitions) {
    Set<TopicPartition> gone = new HashSet<>(partitions);
    done.removeIf(p -> gone.contains(new TopicPartition(p.topic(), p.partition())));
    failures.keySet().removeIf(p -> gone.contains(new TopicPartition(p.topic(), p.partition())));
    nextTryAt.keySet().removeIf(p -> gone.contains(new TopicPartition(p.topic(), p.partition())));
  }
}
