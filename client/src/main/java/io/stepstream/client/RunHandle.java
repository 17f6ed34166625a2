package io.stepstream.client;

import io.stepstream.RunResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A run started by {@link WorkflowClient#start}: its id and its future result. The handle was
 * registered before the request was sent and stays registered until the result arrives, so
 * {@link #await} and {@link #result()} get the result however many other results come first (or,
 * for a run id that already existed, the existing run's result).
 *
 * <pre>{@code
 * RunHandle run = client.start("order", order);
 * Receipt receipt = run.await(Duration.ofMinutes(5)).outputOrThrow(Receipt.class);
 * }</pre>
 */
public final class RunHandle {
  private final String runId;
  private final CompletableFuture<RunResult> result;
  private final WorkflowClient client;

  RunHandle(String runId, CompletableFuture<RunResult> result, WorkflowClient client) {
    this.runId = runId;
    this.result = result;
    this.client = client;
  }

  public String runId() {
    return runId;
  }

  /**
   * Completes when the run's result is committed on the results topic (exceptionally if the request
   * could not be written or the client is closed first).
   */
  public CompletableFuture<RunResult> result() {
    return result;
  }

  /**
   * Waits for the result; may be called again after a timeout.
   *
   * @throws WorkflowTimeoutException if none arrives in time (the run goes on)
   */
  public RunResult await(Duration timeout) {
    return client.await(runId, result, timeout);
  }
}
