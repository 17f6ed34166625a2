package io.stepstream.internal.identity;

/**
 * An identity token that does not prove who the approver is. The message completes the sentence
 * "the identity token ...".
 */
public final class IdentityRejected extends Exception {
  public enum Reason {
    /** Not a compact-serialized JWS, or its claims are not JSON of the expected shapes. */
    MALFORMED,
    /** Signed with an algorithm other than RS256 or ES256 (HS256, none, ...). */
    UNSUPPORTED_ALGORITHM,
    /** No configured key has the token's key id (or fits its algorithm). */
    UNKNOWN_KEY,
    /** No configured key made the signature: forged, altered, or another provider's. */
    BAD_SIGNATURE,
    EXPIRED,
    NOT_YET_VALID,
    WRONG_ISSUER,
    WRONG_AUDIENCE,
    /** The username claim is absent or not a non-empty string. */
    NO_USERNAME
  }

  private final Reason reason;

  IdentityRejected(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
