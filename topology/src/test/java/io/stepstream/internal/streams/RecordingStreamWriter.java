package io.stepstream.internal.streams;

import io.stepstream.internal.client.streams.StreamRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;

/** Keeps what attempts stream, in order, for tests without Kafka. */
public final class RecordingStreamWriter implements StreamWriter {
  private final List<StreamRecord> records = new CopyOnWriteArrayList<>();

  @Override
  public Future<?> send(StreamRecord record) {
    records.add(record);
    return CompletableFuture.completedFuture(null);
  }

  public List<StreamRecord> records() {
    return List.copyOf(records);
  }
}
