package io.stepstream.internal.payloads;

/**
 * A claim-checked value could not be stored or read back. {@link #isPermanent()}: it never will be
 * (a chunk is missing or its bytes do not match the reference's size and SHA-256), so retrying is
 * pointless; otherwise the store did not answer in time and a retry may succeed.
 */
public final class ClaimCheckException extends RuntimeException {
  private final boolean permanent;

  private ClaimCheckException(String message, boolean permanent, Throwable cause) {
    super(message, cause);
    this.permanent = permanent;
  }

  /** Missing or corrupt: the value is gone, never a wrong one. */
  public static ClaimCheckException permanent(String message) {
    return new ClaimCheckException(message, true, null);
  }

  /** The store did not answer (timeout, broker unavailable): try again. */
  public static ClaimCheckException transientFailure(String message, Throwable cause) {
    return new ClaimCheckException(message, false, cause);
  }

  public boolean isPermanent() {
    return permanent;
  }
}
