package io.stepstream;

import java.time.Instant;
import java.util.Objects;
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
 *
 * @param runId the run's id (the key of its records)
 * @param workflowType the workflow type the request named
 * @param status a final status: COMPLETED, FAILED, CANCELLED or TERMINATED (an operator ended the run at once)
 * @param outputValue the workflow's return value (see {@link #output(Class)}); {@link EncodedValue#NONE} if none
 * @param failedStepName the step whose failure failed the run, or null
 * @param errorType what went wrong: the type the workflow chose ({@link WorkflowFailure}), an engine code such as
 *     {@code INPUT_TOO_LARGE}, or else an exception class; null if the run completed
 * @param errorMessage the error's message, or null
 * @param errorDetails what the workflow attached to its {@link WorkflowFailure}; {@link EncodedValue#NONE} if nothing
 * @param startedAt when the engine accepted the run
 * @param finishedAt when the result was decided
 * @param usage what the run's steps reported with {@link StepContext#reportUsage} in total (every attempt, failed
 *     ones too); {@link Usage#ZERO} if nothing (or the engine is older than usage reporting)
 */
public record RunResult(
    String runId,
    String workflowType,
    RunStatus status,
    EncodedValue outputValue,
    String failedStepName,
    String errorType,
    String errorMessage,
    EncodedValue errorDetails,
    Instant startedAt,
    Instant finishedAt,
    Usage usage) {

  public RunResult {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(status, "status");
    outputValue = outputValue == null ? EncodedValue.NONE : outputValue;
    errorDetails = errorDetails == null ? EncodedValue.NONE : errorDetails;
    usage = usage == null ? Usage.ZERO : usage;
  }

  /** A result without usage ({@link Usage#ZERO}): the constructor of releases before usage reporting. */
  public RunResult(
      String runId,
      String workflowType,
      RunStatus status,
      EncodedValue outputValue,
      String failedStepName,
      String errorType,
      String errorMessage,
      EncodedValue errorDetails,
      Instant startedAt,
      Instant finishedAt) {
    this(runId, workflowType, status, outputValue, failedStepName, errorType, errorMessage, errorDetails, startedAt, finishedAt, Usage.ZERO);
  }

  public boolean isCompleted() {
    return status == RunStatus.COMPLETED;
  }

  /** The workflow's return value, decoded as {@code type}. */
  public <T> T output(Class<T> type) {
    return outputValue.as(type);
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
    return outputValue.text();
  }

  /** The step whose failure failed the run, if one did. */
  public Optional<String> failedStep() {
    return Optional.ofNullable(failedStepName);
  }

  @Override
  public String toString() {
    return "RunResult{" + runId + " " + status + (isCompleted() ? " " + outputText() : " " + errorType + ": " + errorMessage) + "}";
  }
}
