package io.stepstream.client;

import io.stepstream.RunResult;
import io.stepstream.WorkflowFailedException;
import io.stepstream.WorkflowTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A run started with its output type ({@link WorkflowClient#start(String, Object, Class)}): {@link
 * #await} returns the output itself, or throws {@link WorkflowFailedException} with the run's error
 * type, message and details. A {@link RunHandle} with the type attached; {@link #untyped()} gives the
 * full {@link RunResult}.
 *
 * <pre>{@code
 * TypedRunHandle<Receipt> run = client.start("order", order, Receipt.class);
 * try {
 *   Receipt receipt = run.await(Duration.ofMinutes(5));
 * } catch (WorkflowFailedException e) {
 *   if ("PAYMENT_DECLINED".equals(e.errorType())) notifyCustomer(e.errorDetails().as(Decline.class));
 * }
 * }</pre>
 *
 * @param <O> the workflow's output type
 */
public final class TypedRunHandle<O> {
  private final RunHandle handle;
  private final Class<O> outputType;

  TypedRunHandle(RunHandle handle, Class<O> outputType) {
    this.handle = handle;
    this.outputType = outputType;
  }

  public String runId() {
    return handle.runId();
  }

  public Class<O> outputType() {
    return outputType;
  }

  /**
   * Waits for the run's output; may be called again after a timeout.
   *
   * @throws WorkflowFailedException if the run FAILED or was CANCELLED or TERMINATED (error type, message, details)
   * @throws WorkflowTimeoutException if no result arrives in time (the run goes on)
   */
  public O await(Duration timeout) {
    return handle.await(timeout).outputOrThrow(outputType);
  }

  /** Completes with the output, or exceptionally with {@link WorkflowFailedException}. */
  public CompletableFuture<O> output() {
    return handle.result().thenApply(r -> r.outputOrThrow(outputType));
  }

  /** The same run as an untyped handle: the whole {@link RunResult}, whatever the status. */
  public RunHandle untyped() {
    return handle;
  }
}
