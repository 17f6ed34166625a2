package io.stepstream;

import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import java.util.Optional;

/**
 * The final result of a run, as read from the results topic.
 *
 * <pre>{@code
 * RunResult r = client.awaitResult("run-1", Duration.ofMinutes(1));
 * if (r.isCompleted()) {
 *   Receipt receipt = r.output(Receipt.class);
 * } else {
 *   log.warn("run {} {} at step {}: {}", r.runId(), r.status(), r.failedStep().orElse("-"), r.errorMessage());
 * }
 * }</pre>
 */
public final class RunResult {
  private final WorkflowResult raw;

  public RunResult(WorkflowResult raw) {
    this.raw = raw;
  }

  public String runId() {
    return raw.getRunId();
  }

  public String workflowType() {
    return raw.getWorkflowType();
  }

  public RunStatus status() {
    return raw.getStatus();
  }

  public boolean isCompleted() {
    return raw.getStatus() == RunStatus.COMPLETED;
  }

  /** The workflow's return value, decoded as {@code type}. */
  public <T> T output(Class<T> type) {
    return PayloadCodec.decode(raw.getOutput(), type);
  }

  /** The output, or a {@link WorkflowFailedException} describing why there is none. */
  public <T> T outputOrThrow(Class<T> type) {
    if (!isCompleted()) {
      throw new WorkflowFailedException(this);
    }
    return output(type);
  }

  /** The output as text (JSON for records/POJOs), for logs and tools. */
  public String outputText() {
    return PayloadCodec.describe(raw.getOutput());
  }

  public Optional<String> failedStep() {
    return Optional.ofNullable(raw.getError()).map(e -> e.getStep());
  }

  public String errorType() {
    return raw.getError() == null ? null : raw.getError().getType();
  }

  public String errorMessage() {
    return raw.getError() == null ? null : raw.getError().getMessage();
  }

  /** The Avro envelope as written on the results topic. */
  public WorkflowResult raw() {
    return raw;
  }

  @Override
  public String toString() {
    return "RunResult{" + runId() + " " + status() + (isCompleted() ? " " + outputText() : " " + errorType() + ": " + errorMessage()) + "}";
  }
}
