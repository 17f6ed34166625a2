package io.stepstream.internal.approvals;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of a version-1 approval token: {@code v1.<kid>.<expiry epoch seconds>.<binding>.<mac>}.
 * The binding is a short unkeyed hash of run id and approval name (so a token presented for the
 * wrong approval is told apart from a forged one); the MAC is HMAC-SHA256 over version, run id,
 * approval name, key id and expiry. Neither part is secret; only the MAC needs the key.
 */
public record ApprovalToken(String kid, long expiresAtEpochSecond, String binding, String mac) {
  static final String VERSION = "v1";
  private static final Pattern FORMAT =
      Pattern.compile("v1\\.([A-Za-z0-9_-]{1,64})\\.([0-9]{1,16})\\.([A-Za-z0-9_-]{8})\\.([A-Za-z0-9_-]{43})");

  /** The token's parts, or null if {@code token} is not a version-1 token. */
  public static ApprovalToken parse(String token) {
    Matcher m = token == null ? null : FORMAT.matcher(token);
    if (m == null || !m.matches()) {
      return null;
    }
    return new ApprovalToken(m.group(1), Long.parseLong(m.group(2)), m.group(3), m.group(4));
  }

  public Instant expiresAt() {
    return Instant.ofEpochSecond(expiresAtEpochSecond);
  }

  String format() {
    return VERSION + "." + kid + "." + expiresAtEpochSecond + "." + binding + "." + mac;
  }

  @Override
  public String toString() {
    return "ApprovalToken[kid=" + kid + ", expiresAt=" + expiresAt() + "]";
  }
}
