package io.stepstream.examples;

import io.stepstream.RetryPolicy;
import io.stepstream.TaskOptions;
import io.stepstream.Workflow;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import java.time.Duration;
import java.util.List;

/**
 * A step executed in another language (issue 16): the "text-summary" workflow hands its {@code
 * summarize} step to whatever worker consumes the task queue {@code text-tasks}: {@code
 * examples/python/task_worker.py}, {@code examples/node/task-worker.js}, or a Java worker. The run is
 * parked, holding no thread, until the worker's outcome arrives on the signals topic; the step is
 * journaled like a local one, so a crash or a replay never asks for it twice.
 *
 * <p>The engine must declare the queue (it then creates {@code <prefix>.tasks.text-tasks}):
 *
 * <pre>{@code
 * Stepstream.builder().register(new RemoteTaskWorkflows()).taskQueues(RemoteTaskWorkflows.QUEUE) ...
 * // or: stepstream engine --workflows examples.jar --task-queue text-tasks
 * // then: python3 examples/python/task_worker.py -b HOST:PORT
 * }</pre>
 *
 * An engine that does not declare it fails a text-summary run with a message saying so.
 */
public final class RemoteTaskWorkflows implements WorkflowRegistrar {
  public static final String TYPE = "text-summary";
  /** The task queue the summarize step goes to. */
  public static final String QUEUE = "text-tasks";
  /** Attempts of the summarize step (a retryable worker error is retried up to this many times in all). */
  public static final int MAX_ATTEMPTS = 3;

  /**
   * A text to summarize. {@code failAttempts} makes the example workers fail that many first attempts
   * with a retryable error (a flaky dependency); {@code heartbeatSeconds}, when set, asks the worker
   * for heartbeats at least that often (else none are asked for).
   */
  public record Doc(String id, String text, Integer top, Integer failAttempts, Integer heartbeatSeconds) {}

  /** The task's input, as the worker receives it in {@code input}. */
  public record SummarizeInput(String text, int top, int failAttempts) {}

  /** One of the most frequent words. */
  public record WordCount(String word, int count) {}

  /** What the worker returns: the words, the top ones, and which execution computed it. */
  public record Summary(int words, List<WordCount> top, String worker, long pid, String taskId, int attempt) {}

  /** The run's output. */
  public record Result(String docId, Summary summary) {}

  public static final Workflow<Doc, Result> TEXT_SUMMARY = (ctx, doc) -> {
    TaskOptions options = TaskOptions.defaults()
        // per attempt, from dispatch: long enough for a worker killed mid-task to be replaced (its
        // partitions move after the consumer group's session timeout) before the attempt times out
        .withTimeout(Duration.ofMinutes(2))
        .withRetry(RetryPolicy.builder().maximumAttempts(MAX_ATTEMPTS).initialInterval(Duration.ofMillis(100)).build());
    if (doc.heartbeatSeconds() != null) {
      options = options.withHeartbeatTimeout(Duration.ofSeconds(doc.heartbeatSeconds()));
    }
    Summary summary = ctx.task("summarize", QUEUE,
        new SummarizeInput(doc.text(), doc.top() == null ? 3 : doc.top(), doc.failAttempts() == null ? 0 : doc.failAttempts()),
        Summary.class, options);
    return new Result(doc.id(), summary);
  };

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows.register(TYPE, Doc.class, TEXT_SUMMARY);
  }
}
