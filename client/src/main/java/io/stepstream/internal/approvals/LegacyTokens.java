package io.stepstream.internal.approvals;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Tokens as 0.1.0 issued them: HMAC-SHA256(secret, {@code runId NUL approvalName}), base64url, with
 * no key id and no expiry. Still accepted (ADR 0008) for approvals requested before an upgrade,
 * checked against every key in the ring, unless turned off.
 */
public final class LegacyTokens {
  private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{43}");

  private LegacyTokens() {}

  static boolean looksLegacy(String token) {
    return FORMAT.matcher(token).matches();
  }

  /** The token 0.1.0 issued for this run's approval with this key's secret (for tests and tools). */
  public static String sign(ApprovalKey key, String runId, String approvalName) {
    return Hmac.mac(key, (runId + '\u0000' + approvalName).getBytes(StandardCharsets.UTF_8));
  }
}
