package io.stepstream.internal.client.streams;

/**
 * The opaque resume token of a stream follower: {@code <partition>-<offset>}, the partition of
 * {@code <prefix>.streams} that holds the run and the offset of the next record to read.
 */
public final class StreamPositions {
  private StreamPositions() {}

  public static String of(int partition, long nextOffset) {
    return partition + "-" + nextOffset;
  }

  /** The offset to read from, for a run on {@code partition}; null token: from the beginning (-1). */
  public static long offsetOf(String token, int partition, String runId) {
    if (token == null || token.isBlank()) {
      return -1;
    }
    int dash = token.indexOf('-');
    try {
      int p = Integer.parseInt(token.substring(0, Math.max(0, dash)));
      long offset = Long.parseLong(token.substring(dash + 1));
      if (p != partition) {
        throw new IllegalArgumentException("stream position '" + token + "' is not one of run " + runId + "'s stream (it is on partition "
            + partition + "): resume with a position an event of this run gave");
      }
      if (offset < 0) {
        throw new IllegalArgumentException("stream position '" + token + "' of run " + runId + " has a negative offset");
      }
      return offset;
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("'" + token + "' is not a stream position of run " + runId
          + " (expected what StreamEvent.position() or an SSE event id gave, like 3-1042)");
    }
  }
}
