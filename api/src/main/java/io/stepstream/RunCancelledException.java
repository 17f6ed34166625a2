package io.stepstream;

/**
 * Thrown into workflow code at its next step boundary (step, sleep) after the run was cancelled.
 * If it escapes, registered compensations run and the run ends CANCELLED. Workflow code may catch it
 * to clean up with steps of its own (steps still run while cancelling) and rethrow.
 */
public class RunCancelledException extends RuntimeException {
  public RunCancelledException(String message) {
    super(message);
  }
}
