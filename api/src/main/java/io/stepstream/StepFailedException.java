package io.stepstream;

/**
 * A step threw. Workflow code may catch it to fall back or compensate; if it escapes, the run fails
 * with a result naming the step and the error.
 */
public class StepFailedException extends RuntimeException {
  private final String stepName;
  private final int attempts;
  private final String errorType;
  private final String errorMessage;
  private final transient EncodedValue errorDetails;

  public StepFailedException(String stepName, int attempts, String errorType, String message) {
    this(stepName, attempts, errorType, message, EncodedValue.NONE);
  }

  /** @param errorDetails what a {@link WorkflowFailure} thrown by the step attached ({@link EncodedValue#NONE} if nothing) */
  public StepFailedException(String stepName, int attempts, String errorType, String message, EncodedValue errorDetails) {
    super("step '" + stepName + "' failed after " + attempts + " attempt(s): " + errorType + ": " + message);
    this.stepName = stepName;
    this.attempts = attempts;
    this.errorType = errorType;
    this.errorMessage = message;
    this.errorDetails = errorDetails == null ? EncodedValue.NONE : errorDetails;
  }

  /** The step's own error message (without the step and attempt prefix of {@link #getMessage()}). */
  public String errorMessage() {
    return errorMessage;
  }

  /** What a {@link WorkflowFailure} thrown by the step attached, decoded on demand; {@link EncodedValue#NONE} if nothing. */
  public EncodedValue errorDetails() {
    return errorDetails;
  }

  public String stepName() {
    return stepName;
  }

  public int attempts() {
    return attempts;
  }

  /**
   * The error type: the type of a {@link WorkflowFailure} the step threw, or the class name of the
   * exception (also on replay, where the original is gone).
   */
  public String errorType() {
    return errorType;
  }
}
