package io.stepstream;

/** A run ended without an output (FAILED, CANCELLED or TERMINATED); the result says where and why. */
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

  /** The run's error type: chosen by the workflow ({@link WorkflowFailure}), an engine code, or an exception class. */
  public String errorType() {
    return result.errorType();
  }

  /** The error's own message (without the run and status prefix of {@link #getMessage()}). */
  public String errorMessage() {
    return result.errorMessage();
  }

  /** What the workflow attached to its failure, decoded on demand; {@link EncodedValue#NONE} if nothing. */
  public EncodedValue errorDetails() {
    return result.errorDetails();
  }
}
