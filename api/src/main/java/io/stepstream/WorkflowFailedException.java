package io.stepstream;

/** A run ended without an output (FAILED or CANCELLED); the result says where and why. */
public class WorkflowFailedException extends RuntimeException {
  private final transient RunResult result;

  public WorkflowFailedException(RunResult result) {
    super("run " + result.runId() + " ended " + result.status()
        + result.failedStep().map(s -> " at step '" + s + "'").orElse("") + ": " + result.errorType() + ": " + result.errorMessage());
    this.result = result;
  }

  public RunResult result() {
    return result;
  }
}
