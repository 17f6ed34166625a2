package io.stepstream.internal.query;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * Keys of the runs-by-time store ({@code OrchestratorTopology.RUNS_BY_TIME_STORE}): one entry per
 * run, {@code (Long.MAX_VALUE - createdAt) as 8 big-endian bytes + run id as UTF-8}, empty value.
 * The store's byte order is then newest first, then run id: the order run lists are served in, so
 * a page is one range read from its cursor instead of a scan and sort of every run of a partition.
 */
public final class RunTimeIndex {
  /** Written for every key, so that a deletion (empty value means present; null would delete) is distinguishable. */
  public static final byte[] PRESENT = new byte[0];

  private RunTimeIndex() {}

  public static Bytes key(long createdAt, String runId) {
    byte[] id = runId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(Long.MAX_VALUE - Math.max(0, createdAt)).put(id).array());
  }

  public static Bytes key(Position position) {
    return key(position.createdAt(), position.runId());
  }

  /** The position a key stands for. */
  public static Position position(Bytes key) {
    ByteBuffer buffer = ByteBuffer.wrap(key.get());
    long createdAt = Long.MAX_VALUE - buffer.getLong();
    return new Position(createdAt, new String(key.get(), 8, key.get().length - 8, StandardCharsets.UTF_8));
  }

  /** The first key of runs created at or before {@code createdAt} (for {@code until}). */
  public static Bytes firstAtOrBefore(long createdAt) {
    return Bytes.wrap(ByteBuffer.allocate(8).putLong(Long.MAX_VALUE - Math.max(0, createdAt)).array());
  }
}
