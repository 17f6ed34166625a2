package io.stepstream.internal.codec;

/** Input that can never be processed: it goes to the dead-letter topic with this code and message. */
public final class InvalidInputException extends RuntimeException {
  private final String code;

  public InvalidInputException(String code, String message) {
    super(message);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
