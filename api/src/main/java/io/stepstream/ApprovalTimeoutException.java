package io.stepstream;

/** No valid decision arrived before the approval's deadline. Catch it to escalate or give up. */
public class ApprovalTimeoutException extends RuntimeException {
  public ApprovalTimeoutException(String message) {
    super(message);
  }
}
