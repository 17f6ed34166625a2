package io.stepstream.internal.executor;

/**
 * Unwinds workflow code when its execution was cancelled (partition revoked, engine closing). An
 * {@link Error} so that user code catching {@code Exception} does not swallow it.
 */
final class ExecutionAbandoned extends Error {
  ExecutionAbandoned(String runId) {
    super("execution of run " + runId + " abandoned", null, false, false);
  }
}
