package io.stepstream.internal.approvals;

import io.stepstream.internal.approvals.TokenVerdict.Status;
import java.time.Instant;
import java.util.Optional;

/**
 * Approval tokens: a decision is applied only with the token of the approval it answers, so
 * knowing a run id is not enough to approve it. A token ({@link ApprovalToken}) names the key that
 * signed it and when it expires, so secrets rotate without invalidating pending approvals: the
 * engine signs with one key of its {@link ApprovalKeyring} and verifies with all of them.
 *
 * <pre>{@code
 * ApprovalTokens tokens = ApprovalTokens.of(ring, true);
 * String token = tokens.sign("r-42", "refund-review", deadline.plus(grace));
 * TokenVerdict v = tokens.check(token, "r-42", "refund-review", Instant.now()); // v.valid()
 * }</pre>
 *
 * <p>Verification can be turned off only explicitly ({@link #verificationDisabled()}).
 */
public final class ApprovalTokens {
  /** The key id of a secret given without one ({@code approvalSecret(...)}), and of 0.1.0's secret. */
  public static final String DEFAULT_KID = "default";
  private static final String MAC_DOMAIN = "stepstream-approval-token";
  private static final String BINDING_DOMAIN = "stepstream-approval-binding";
  private static final int BINDING_BYTES = 6;

  private final ApprovalKeyring keys;
  private final boolean verify;
  private final boolean acceptLegacy;

  private ApprovalTokens(ApprovalKeyring keys, boolean verify, boolean acceptLegacy) {
    this.keys = keys;
    this.verify = verify;
    this.acceptLegacy = acceptLegacy;
  }

  /** Signs and verifies with one secret, key id {@value #DEFAULT_KID}; old-format tokens accepted. */
  public static ApprovalTokens withSecret(byte[] secret) {
    return of(ApprovalKeyring.signingWith(ApprovalKey.of(DEFAULT_KID, secret)), true);
  }

  /**
   * @param acceptLegacy whether tokens in 0.1.0's format (no key id, no expiry) are accepted when
   *     one of the ring's secrets made them
   */
  public static ApprovalTokens of(ApprovalKeyring keys, boolean acceptLegacy) {
    return new ApprovalTokens(keys, true, acceptLegacy);
  }

  /** Tokens are still issued (with a fixed key) but never checked: for tests and trusted setups only. */
  public static ApprovalTokens verificationDisabled() {
    return new ApprovalTokens(ApprovalKeyring.signingWith(ApprovalKey.of("unverified", "stepstream-unverified-tokens")), false, true);
  }

  /** A token for this run's approval, signed with the ring's signing key, valid until {@code expiresAt} (rounded up to the second). */
  public String sign(String runId, String approvalName, Instant expiresAt) {
    ApprovalKey key = keys.signing();
    long expiry = expiresAt.getEpochSecond() + (expiresAt.getNano() > 0 ? 1 : 0);
    return new ApprovalToken(key.kid(), expiry, binding(runId, approvalName), mac(key, runId, approvalName, expiry)).format();
  }

  /** Whether {@code token} is good for this run's approval at {@code now}; if not, why (constant-time compares). */
  public TokenVerdict check(String token, String runId, String approvalName, Instant now) {
    if (!verify) {
      return TokenVerdict.VALID;
    }
    if (token == null || token.isEmpty()) {
      return new TokenVerdict(Status.MISSING, "is missing");
    }
    if (LegacyTokens.looksLegacy(token)) {
      return checkLegacy(token, runId, approvalName);
    }
    ApprovalToken t = ApprovalToken.parse(token);
    if (t == null) {
      return new TokenVerdict(Status.MALFORMED, "is not a Stepstream approval token (expected v1.<key id>.<expiry>.<binding>.<mac>)");
    }
    Optional<ApprovalKey> key = keys.find(t.kid());
    if (key.isEmpty()) {
      return new TokenVerdict(Status.UNKNOWN_KEY, "was signed with key '" + t.kid() + "', which this engine does not hold (it holds "
          + keys.keys().stream().map(ApprovalKey::kid).toList() + ")");
    }
    if (!Hmac.equal(t.binding(), binding(runId, approvalName))) {
      return new TokenVerdict(Status.WRONG_APPROVAL, "belongs to another run or approval");
    }
    if (!Hmac.equal(t.mac(), mac(key.get(), runId, approvalName, t.expiresAtEpochSecond()))) {
      return new TokenVerdict(Status.BAD_SIGNATURE, "has a signature that key '" + t.kid() + "' did not make (forged or altered)");
    }
    if (now.getEpochSecond() >= t.expiresAtEpochSecond()) {
      return new TokenVerdict(Status.EXPIRED, "expired at " + t.expiresAt());
    }
    return TokenVerdict.VALID;
  }

  public boolean verifies() {
    return verify;
  }

  public ApprovalKeyring keyring() {
    return keys;
  }

  private TokenVerdict checkLegacy(String token, String runId, String approvalName) {
    if (!acceptLegacy) {
      return new TokenVerdict(Status.LEGACY_REFUSED, "is in the old format (no key id, no expiry), which this engine no longer accepts");
    }
    boolean matches = false;
    for (ApprovalKey key : keys.keys()) {
      matches |= Hmac.equal(token, LegacyTokens.sign(key, runId, approvalName)); // no early exit: same time for every key
    }
    return matches ? TokenVerdict.VALID
        : new TokenVerdict(Status.BAD_SIGNATURE, "is an old-format token that none of this engine's keys made for this run and approval");
  }

  private static String binding(String runId, String approvalName) {
    return Hmac.sha256(Hmac.fields(BINDING_DOMAIN, runId, approvalName), BINDING_BYTES);
  }

  private static String mac(ApprovalKey key, String runId, String approvalName, long expiry) {
    return Hmac.mac(key, Hmac.fields(MAC_DOMAIN, ApprovalToken.VERSION, runId, approvalName, key.kid(), Long.toString(expiry)));
  }
}
