package io.stepstream.worker;

/**
 * Thrown by a {@link TaskHandler}: the step fails at once with this error type, without further attempts.
 *
 * <pre>{@code
 * throw new NonRetryableTaskException("INVALID_INPUT", "the document is empty");
 * }</pre>
 *
 * <p>Any other exception is a retryable failure (type: the exception's simple class name).
 */
public class NonRetryableTaskException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String type;

  public NonRetryableTaskException(String type, String message) {
    super(message);
    this.type = requireType(type);
  }

  public NonRetryableTaskException(String type, String message, Throwable cause) {
    super(message, cause);
    this.type = requireType(type);
  }

  /** The error type the workflow sees (StepFailedException's errorType). */
  public String type() {
    return type;
  }

  private static String requireType(String type) {
    if (type == null || type.isBlank()) {
      throw new IllegalArgumentException("a non-retryable failure needs an error type");
    }
    return type;
  }
}
