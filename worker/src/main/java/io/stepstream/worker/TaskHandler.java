package io.stepstream.worker;

/**
 * The code a {@link TaskWorker} runs for each task of its queue.
 *
 * <pre>{@code
 * TaskHandler summarize = (task, ctx) -> {
 *     Doc doc = task.input(Doc.class);
 *     if (doc.text().isBlank()) {
 *         throw new NonRetryableTaskException("EMPTY_DOCUMENT", "nothing to summarize");  // no further attempts
 *     }
 *     return new Summary(llm.summarize(doc.text(), ctx::isCancelled));                  // written as the JSON "data"
 * };
 * }</pre>
 *
 * <p>The return value is serialized with Jackson and becomes the step's result. A thrown
 * {@link NonRetryableTaskException} fails the step at once; any other exception is a retryable failure whose
 * type is the exception's simple class name (the engine retries per the step's RetryPolicy). Handlers run on
 * the worker's own threads, up to {@link TaskWorker.Builder#concurrency(int)} at once; one that is interrupted
 * because the worker closes produces no outcome (the task is released to another worker).
 */
@FunctionalInterface
public interface TaskHandler {

  /** Executes {@code task}; the result is the step's value (null allowed). */
  Object handle(Task task, TaskContext ctx) throws Exception;
}
