package io.stepstream.internal.streams;

import io.stepstream.internal.client.streams.StreamRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * Where step attempts write their stream records ({@code <prefix>.streams}): Kafka in an engine
 * ({@link KafkaStreamWriter}), nowhere in tests that do not look ({@link #NONE}).
 */
public interface StreamWriter extends AutoCloseable {
  /** Discards everything: engines in tests, and history replays (which never run a step body). */
  StreamWriter NONE = record -> CompletableFuture.completedFuture(null);

  /** Sends without waiting; the future completes when the broker acknowledged the record (or failed). */
  Future<?> send(StreamRecord record);

  @Override
  default void close() {}
}
