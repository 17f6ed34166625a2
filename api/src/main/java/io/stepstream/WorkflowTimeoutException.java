package io.stepstream;

/** No result arrived in time. The run itself is not affected and may still finish. */
public class WorkflowTimeoutException extends RuntimeException {
  public WorkflowTimeoutException(String message) {
    super(message);
  }
}
