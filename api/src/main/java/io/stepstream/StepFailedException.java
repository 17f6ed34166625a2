package io.stepstream;

/**
 * A step threw. Workflow code may catch it to fall back or compensate; if it escapes, the run fails
 * with a result naming the step and the error.
 */
public class StepFailedException extends RuntimeException {
  private final String stepName;
  private final int attempts;
  private final String errorType;

  public StepFailedException(String stepName, int attempts, String errorType, String message) {
    super("step '" + stepName + "' failed after " + attempts + " attempt(s): " + errorType + ": " + message);
    this.stepName = stepName;
    this.attempts = attempts;
    this.errorType = errorType;
  }

  public String stepName() {
    return stepName;
  }

  public int attempts() {
    return attempts;
  }

  /** Class name of the exception the step threw (also on replay, where the original is gone). */
  public String errorType() {
    return errorType;
  }
}
