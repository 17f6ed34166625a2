package io.stepstream.internal.executor;

/** Told when an execution stops. Called on the executor thread. */
public interface ExecutionListener {

  /**
   * @param finished true if a completion (success, failure, parking) was published; false if the
   *     execution was abandoned or could not publish and the run needs another dispatch
   */
  void onExecutionEnded(Execution execution, boolean finished);
}
