package io.stepstream.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One attempt of a remote step, as the engine dispatched it (a record of {@code <prefix>.tasks.<queue>}).
 *
 * <pre>{@code
 * record Doc(String text) {}
 * TaskHandler handler = (task, ctx) -> {
 *     Doc doc = task.input(Doc.class);                       // the workflow's ctx.task(..., input, ...)
 *     log.info("{} attempt {}/{} of run {}", task.step(), task.attempt(), task.maxAttempts(), task.runId());
 *     return callTheModel(doc, task.idempotencyKey());      // same key on every attempt: safe retries downstream
 * };
 * }</pre>
 */
public final class Task {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final String taskId;
  private final String queue;
  private final String runId;
  private final String workflowType;
  private final String step;
  private final int attempt;
  private final int maxAttempts;
  private final String idempotencyKey;
  private final Instant deadline;
  private final Duration heartbeatTimeout;
  private final String inputJson;

  /**
   * A task as the worker decoded it; public for handler unit tests. {@code deadline} and
   * {@code heartbeatTimeout} may be null (no deadline, no heartbeats); {@code inputJson} is JSON text.
   */
  public Task(String taskId, String queue, String runId, String workflowType, String step, int attempt, int maxAttempts,
        String idempotencyKey, Instant deadline, Duration heartbeatTimeout, String inputJson) {
    this.taskId = Objects.requireNonNull(taskId, "taskId");
    this.queue = queue;
    this.runId = runId;
    this.workflowType = workflowType;
    this.step = step;
    this.attempt = attempt;
    this.maxAttempts = maxAttempts;
    this.idempotencyKey = idempotencyKey;
    this.deadline = deadline;
    this.heartbeatTimeout = heartbeatTimeout;
    this.inputJson = inputJson == null ? "null" : inputJson;
  }

  /** The id of this attempt ({@code prm_...}); its outcome is keyed by it. A new attempt has a new id. */
  public String taskId() {
    return taskId;
  }

  public String queue() {
    return queue;
  }

  public String runId() {
    return runId;
  }

  public String workflowType() {
    return workflowType;
  }

  /** The step's name in the workflow. */
  public String step() {
    return step;
  }

  /** 1 for the first attempt. */
  public int attempt() {
    return attempt;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  /** {@code <runId>/<step>}: the same for every attempt of the step, for idempotent calls downstream. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** When the engine times this attempt out (start-to-close); empty if the record carried none. */
  public Optional<Instant> deadline() {
    return Optional.ofNullable(deadline);
  }

  /** The step's heartbeat timeout; empty when the step asks for no heartbeats. */
  public Optional<Duration> heartbeatTimeout() {
    return Optional.ofNullable(heartbeatTimeout);
  }

  /** The input as JSON text, exactly as the engine sent it. */
  public String inputJson() {
    return inputJson;
  }

  /** The input bound to {@code type} with Jackson (unknown fields ignored). */
  public <T> T input(Class<T> type) {
    try {
      return JSON.readValue(inputJson, type);
    } catch (IOException e) {
      throw new UncheckedIOException("task " + taskId + ": input does not bind to " + type.getName(), e);
    }
  }

  @Override
  public String toString() {
    return "Task[" + taskId + " " + workflowType + "/" + step + " of run " + runId + ", attempt " + attempt + "/" + maxAttempts + "]";
  }
}
