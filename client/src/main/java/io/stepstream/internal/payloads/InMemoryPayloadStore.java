package io.stepstream.internal.payloads;

import io.stepstream.avro.ClaimCheck;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link PayloadStore} in memory, laid out like the Kafka one (one append-only log, chunks found by
 * offset and key), for TopologyTestDriver tests and the test kit. {@link #corrupt} and {@link #delete}
 * let tests break it on purpose.
 */
public final class InMemoryPayloadStore implements PayloadStore {
  private final String topic;
  private final int chunkBytes;
  private final List<String> keys = new ArrayList<>();
  private final List<byte[]> values = new ArrayList<>();

  public InMemoryPayloadStore(String topic, int chunkBytes) {
    this.topic = topic;
    this.chunkBytes = chunkBytes;
  }

  @Override
  public synchronized ClaimCheck write(String runId, String sha256, byte[] bytes) {
    String key = Chunks.key(runId, sha256);
    List<Long> offsets = new ArrayList<>();
    List<byte[]> chunks = Chunks.split(bytes, chunkBytes);
    for (int i = 0; i < chunks.size(); i++) {
      offsets.add((long) keys.size());
      keys.add(Chunks.chunkKey(key, i));
      values.add(chunks.get(i));
    }
    return ClaimCheck.newBuilder().setSha256(sha256).setSize(bytes.length).setTopic(topic).setPartition(0).setKey(key).setOffsets(offsets).build();
  }

  @Override
  public synchronized List<byte[]> read(ClaimCheck ref) {
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < ref.getOffsets().size(); i++) {
      String wanted = Chunks.chunkKey(ref.getKey(), i);
      byte[] found = null;
      // like Kafka after compaction: the record at the offset, or a later one with the same key
      for (int at = (int) (long) ref.getOffsets().get(i); at < keys.size() && found == null; at++) {
        if (wanted.equals(keys.get(at))) {
          found = values.get(at);
          if (found == null) {
            break;
          }
        }
      }
      if (found == null) {
        throw ClaimCheckException.permanent("chunk " + i + " of the claim-checked value " + Chunks.describe(ref) + " is missing (deleted)");
      }
      chunks.add(found);
    }
    return chunks;
  }

  /** A tombstone for one chunk key, as run expiry writes them, and compaction done: the older records of the key are gone. */
  public synchronized void delete(String chunkKey) {
    for (int i = 0; i < keys.size(); i++) {
      if (chunkKey.equals(keys.get(i))) {
        keys.set(i, null);
      }
    }
    keys.add(chunkKey);
    values.add(null);
  }

  /** Overwrites the stored record at {@code offset} in place (what no real log allows: a test of verification). */
  public synchronized void corrupt(long offset, byte[] replacement) {
    values.set((int) offset, replacement);
  }

  /** Keys of the live (not deleted) chunks, in log order. */
  public synchronized List<String> liveKeys() {
    List<String> live = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      if (k != null && values.get(i) != null && keys.subList(i + 1, keys.size()).stream().noneMatch(k::equals)) {
        live.add(k);
      }
    }
    return live;
  }
}
