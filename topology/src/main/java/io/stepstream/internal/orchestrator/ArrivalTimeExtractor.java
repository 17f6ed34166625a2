package io.stepstream.internal.orchestrator;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Stamps each input record with the wall-clock time it was polled (ADR 0005: a task then takes its
 * partitions' records in arrival order, so a burst of requests does not hold back step outcomes),
 * and tells the {@link CommitPacer} how long after being produced the record arrived: lag is how a
 * backlog shows.
 */
final class ArrivalTimeExtractor implements TimestampExtractor {
  private final CommitPacer pacer;

  ArrivalTimeExtractor(CommitPacer pacer) {
    this.pacer = pacer;
  }

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    long now = System.currentTimeMillis();
    if (record.timestamp() > 0) {
      pacer.onPolled(Math.max(0, now - record.timestamp()), now);
    }
    return now;
  }
}
