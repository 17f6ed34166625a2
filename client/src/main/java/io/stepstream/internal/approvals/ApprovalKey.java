package io.stepstream.internal.approvals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One approval secret and the key id tokens name it by. The key id is written into every token it
 * signs, so it is limited to characters that need no escaping ({@code [A-Za-z0-9_-]}, up to 64).
 */
public final class ApprovalKey {
  private static final Pattern KID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  static final int MIN_SECRET_BYTES = 16;

  private final String kid;
  private final byte[] secret;

  private ApprovalKey(String kid, byte[] secret) {
    if (kid == null || !KID.matcher(kid).matches()) {
      throw new IllegalArgumentException("approval key id '" + kid + "' is not usable: use 1 to 64 letters, digits, '-' or '_' (e.g. 2026-02)");
    }
    if (secret == null || secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("the approval secret of key '" + kid + "' must be at least " + MIN_SECRET_BYTES + " bytes");
    }
    this.kid = kid;
    this.secret = secret.clone();
  }

  public static ApprovalKey of(String kid, String secret) {
    return new ApprovalKey(kid, secret == null ? null : secret.getBytes(StandardCharsets.UTF_8));
  }

  public static ApprovalKey of(String kid, byte[] secret) {
    return new ApprovalKey(kid, secret);
  }

  public String kid() {
    return kid;
  }

  byte[] secret() {
    return secret;
  }

  boolean sameSecret(ApprovalKey other) {
    return MessageDigest.isEqual(secret, other.secret);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApprovalKey k && k.kid.equals(kid) && sameSecret(k);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kid);
  }

  @Override
  public String toString() {
    return "ApprovalKey[kid=" + kid + ", secret=<" + secret.length + " bytes>]";
  }
}
