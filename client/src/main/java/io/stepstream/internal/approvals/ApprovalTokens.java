package io.stepstream.internal.approvals;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Approval tokens: HMAC-SHA256 over {@code runId NUL approvalName} with the deployment's secret,
 * base64url. A decision is applied only with the token of the approval it answers, so knowing a run
 * id is not enough to approve it. Verification can be turned off only explicitly.
 */
public final class ApprovalTokens {
  private final byte[] secret;
  private final boolean verify;

  private ApprovalTokens(byte[] secret, boolean verify) {
    this.secret = secret;
    this.verify = verify;
  }

  public static ApprovalTokens withSecret(byte[] secret) {
    if (secret == null || secret.length < 16) {
      throw new IllegalArgumentException("the approval secret must be at least 16 bytes");
    }
    return new ApprovalTokens(secret.clone(), true);
  }

  /** Tokens are still issued (with a fixed key) but never checked: for tests and trusted setups only. */
  public static ApprovalTokens verificationDisabled() {
    return new ApprovalTokens("stepstream-unverified-tokens".getBytes(StandardCharsets.UTF_8), false);
  }

  public String sign(String runId, String approvalName) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] tag = mac.doFinal((runId + '\u0000' + approvalName).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** True if verification is off, or the token is the one for this run and approval (constant time). */
  public boolean accepts(String token, String runId, String approvalName) {
    if (!verify) {
      return true;
    }
    return token != null
        && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), sign(runId, approvalName).getBytes(StandardCharsets.UTF_8));
  }

  public boolean verifies() {
    return verify;
  }
}
