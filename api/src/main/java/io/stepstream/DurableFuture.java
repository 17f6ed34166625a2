package io.stepstream;

/**
 * The result of a durable operation started without waiting for it: a parallel step ({@link
 * WorkflowContext#stepAsync}), a child run, a durable promise. Waiting for it with {@link #get()}
 * is durable: when the result depends on the outside world (a child run, a promise, a retry due
 * later), the run is parked, holding no thread, and resumes when the result is there.
 *
 * <pre>{@code
 * List<DurableFuture<Finding>> searches = new ArrayList<>();
 * for (int i = 0; i < queries.size(); i++) {
 *   String q = queries.get(i);
 *   searches.add(ctx.stepAsync("search-" + i, Finding.class, s -> search.run(q)));
 * }
 * List<Finding> findings = ctx.all(searches);     // every branch journaled and retried on its own
 * }</pre>
 *
 * <p>Only the workflow's own thread may call {@link #get()}, like every {@link WorkflowContext} method.
 * There is deliberately no {@code isDone()}: whether a branch has finished yet differs between the
 * first pass and a replay; use {@link WorkflowContext#any} to act on whichever finishes first (its
 * choice is journaled).
 *
 * @param <T> the result type
 */
public interface DurableFuture<T> {

  /** The journal name of the operation (the step name, the child's name, the promise's name). */
  String name();

  /**
   * The result, waiting for it if needed; the same on every replay.
   *
   * @throws StepFailedException if a step failed for good (a child run's or promise's failure
   *     comes as the exception their documentation names)
   */
  T get();
}
