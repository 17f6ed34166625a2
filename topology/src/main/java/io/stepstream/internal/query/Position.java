package io.stepstream.internal.query;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A place in the order run lists are served in: newest {@code createdAt} first, then run id (by its
 * UTF-8 bytes, as the runs-by-time store sorts). Cursors are positions: a page continues strictly
 * after the position of the last run the previous page returned (or after the point its scan got
 * to), so a run is listed exactly once across pages whatever instance owns it, also after it moved.
 */
public record Position(long createdAt, String runId) implements Comparable<Position> {
  private static final String VERSION = "1:";

  @Override
  public int compareTo(Position other) {
    int byTime = Long.compare(other.createdAt, createdAt); // newest first
    if (byTime != 0) {
      return byTime;
    }
    return Arrays.compareUnsigned(runId.getBytes(StandardCharsets.UTF_8), other.runId.getBytes(StandardCharsets.UTF_8));
  }

  public boolean isAfter(Position other) {
    return compareTo(other) > 0;
  }

  /** The opaque cursor clients pass back (base64url of {@code 1:<createdAt>:<runId>}). */
  public String cursor() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((VERSION + createdAt + ":" + runId).getBytes(StandardCharsets.UTF_8));
  }

  /** Reads a cursor; {@link IllegalArgumentException} with a message for people when it is not one of ours. */
  public static Position ofCursor(String cursor) {
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cursor '" + cursor + "' is not one this engine gave out; pass nextCursor of the previous page as it is");
    }
    int colon = text.indexOf(':', VERSION.length());
    if (!text.startsWith(VERSION) || colon < 0) {
      throw new IllegalArgumentException("cursor '" + cursor + "' is not one this engine gave out; pass nextCursor of the previous page as it is");
    }
    try {
      return new Position(Long.parseLong(text.substring(VERSION.length(), colon)), text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cursor '" + cursor + "' is not one this engine gave out; pass nextCursor of the previous page as it is");
    }
  }
}
