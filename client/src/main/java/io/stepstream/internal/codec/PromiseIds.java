package io.stepstream.internal.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The id of a durable promise ({@code ctx.promise(name, type)}): {@code prm_} followed by the
 * base64url (no padding) of a version byte (1), the run id, a zero byte and the promise's name.
 * Whoever holds the id can complete the promise without knowing anything else, because it routes
 * itself: the engine and the client read the run id from it. It is the same on every replay (a
 * function of run id and name), so a workflow can hand it out in a step and then wait.
 *
 * <pre>{@code
 * String id = PromiseIds.format("r-42", "payment");   // prm_AXItNDIAcGF5bWVudA
 * PromiseIds.Parsed p = PromiseIds.parse(id);         // p.runId() "r-42", p.name() "payment"
 * }</pre>
 *
 * <p>Opaque to users (documented as such): only this class reads it. Run ids never contain the zero
 * byte (the engine refuses them), so the first zero byte separates run id and name.
 */
public final class PromiseIds {
  public static final String PREFIX = "prm_";
  private static final byte VERSION = 1;

  /** A promise id taken apart. */
  public record Parsed(String runId, String name) {}

  private PromiseIds() {}

  public static String format(String runId, String name) {
    byte[] run = runId.getBytes(StandardCharsets.UTF_8);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] raw = ByteBuffer.allocate(2 + run.length + n.length).put(VERSION).put(run).put((byte) 0).put(n).array();
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** True if {@code s} is shaped like a promise id (it may still not parse). */
  public static boolean looksLikeOne(String s) {
    return s != null && s.startsWith(PREFIX);
  }

  /** The run id a record key names: the run of a promise id, else the key itself. */
  public static String runIdOrSelf(String key) {
    if (!looksLikeOne(key)) {
      return key;
    }
    try {
      return parse(key).runId();
    } catch (IllegalArgumentException e) {
      return key; // not one after all: routed, and refused, as any other key
    }
  }

  /**
   * @throws IllegalArgumentException naming what is wrong and what a promise id looks like
   */
  public static Parsed parse(String id) {
    if (id == null || !id.startsWith(PREFIX)) {
      throw malformed(id, "it does not start with '" + PREFIX + "'");
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(id.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw malformed(id, "its text after '" + PREFIX + "' is not base64url (" + e.getMessage() + ")");
    }
    if (raw.length < 4 || raw[0] != VERSION) {
      throw malformed(id, raw.length == 0 ? "it is empty after '" + PREFIX + "'" : "it is not of a version this release knows (it was truncated or altered?)");
    }
    int zero = -1;
    for (int i = 1; i < raw.length; i++) {
      if (raw[i] == 0) {
        zero = i;
        break;
      }
    }
    if (zero <= 1 || zero == raw.length - 1) {
      throw malformed(id, "it does not name both a run and a promise (it was truncated or altered?)");
    }
    String runId = new String(Arrays.copyOfRange(raw, 1, zero), StandardCharsets.UTF_8);
    String name = new String(Arrays.copyOfRange(raw, zero + 1, raw.length), StandardCharsets.UTF_8);
    return new Parsed(runId, name);
  }

  private static IllegalArgumentException malformed(String id, String why) {
    String shown = id == null ? "null" : id.length() > 80 ? id.substring(0, 80) + "..." : id;
    return new IllegalArgumentException("'" + shown + "' is not a durable promise id: " + why
        + ". Use the id exactly as the workflow handed it out (ctx.promise(name, type).id(), which looks like prm_AXItNDIAcGF5bWVudA);"
        + " do not build one yourself");
  }
}
