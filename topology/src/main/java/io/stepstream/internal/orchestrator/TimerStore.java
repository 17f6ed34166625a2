package io.stepstream.internal.orchestrator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Durable timers of one task, ordered by due time: the key is the due time (8 bytes, big-endian, so
 * RocksDB's byte order is time order) followed by the run id. Finding due timers reads only the due
 * entries from the front of the store, however many are pending.
 */
final class TimerStore {
  /** A timer that is due. */
  record Due(long dueAt, String runId) {}

  private final KeyValueStore<Bytes, String> timers;

  TimerStore(KeyValueStore<Bytes, String> timers) {
    this.timers = timers;
  }

  void schedule(long dueAt, String runId) {
    timers.put(key(dueAt, runId), runId);
  }

  void cancel(long dueAt, String runId) {
    timers.delete(key(dueAt, runId));
  }

  /** Up to {@code limit} timers due at or before {@code now}, earliest first; they are removed. */
  List<Due> takeDue(long now, int limit) {
    return takeDue(0, now, limit);
  }

  /**
   * The same, reading from {@code from} on: a caller that knows nothing is due before it skips the
   * tombstones that taking entries leaves at the front of the store (RocksDB drops them only at
   * compaction, and a range read from 0 would step over every one of them again).
   */
  List<Due> takeDue(long from, long now, int limit) {
    List<Due> due = new ArrayList<>();
    // a bounded range: the store's cache and RocksDB are read only up to the due keys
    try (KeyValueIterator<Bytes, String> it = timers.range(key(from, ""), key(now + 1, ""))) {
      while (it.hasNext() && due.size() < limit) {
        KeyValue<Bytes, String> next = it.next();
        long dueAt = ByteBuffer.wrap(next.key.get()).getLong();
        if (dueAt > now) {
          break;
        }
        due.add(new Due(dueAt, next.value));
      }
    }
    due.forEach(d -> timers.delete(key(d.dueAt(), d.runId())));
    return due;
  }

  static Bytes key(long dueAt, String runId) {
    byte[] id = runId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + id.length).putLong(Math.max(0, dueAt)).put(id).array());
  }
}
