package io.stepstream.internal.approvals;

/**
 * Whether an approval token is good for a run's approval, and if not why. {@code detail} completes
 * the sentence "the token ...".
 */
public record TokenVerdict(Status status, String detail) {
  public enum Status {
    VALID,
    /** No token at all. */
    MISSING,
    /** Not a token this engine can read. */
    MALFORMED,
    /** Names a key id the engine does not hold: rotated out, or not added to this instance yet. */
    UNKNOWN_KEY,
    /** A genuine-looking token of another run or approval. */
    WRONG_APPROVAL,
    /** The MAC does not match: forged, altered, or signed with another secret under the same key id. */
    BAD_SIGNATURE,
    /** Past its expiry (the approval's deadline plus the grace). */
    EXPIRED,
    /** An old-format token (0.1.0, no key id or expiry) while those are turned off. */
    LEGACY_REFUSED
  }

  static final TokenVerdict VALID = new TokenVerdict(Status.VALID, "is valid");

  public boolean valid() {
    return status == Status.VALID;
  }
}
