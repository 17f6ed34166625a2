package io.stepstream;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A run started by {@link WorkflowClient#start}: its id and its future result.
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

  /** Completes when the run's result is committed on the results topic. */
  public CompletableFuture<RunResult> result() {
    return result;
  }

  /** Waits for the result. @throws WorkflowTimeoutException if none arrives in time (the run goes on). */
  public RunResult await(Duration timeout) {
    return client.awaitResult(runId, timeout);
  }
}
