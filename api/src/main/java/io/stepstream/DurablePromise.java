package io.stepstream;

import java.time.Duration;

/**
 * A value the outside world provides later (Restate's awakeable, a Step Functions task token): the
 * workflow creates it with {@link WorkflowContext#promise}, hands its {@link #id()} to someone (in a
 * step: an email, a ticket, a task queue), and waits for it with {@link #get()}, parked, holding no
 * thread. Anyone holding the id completes it, once: a record on the signals topic (any Kafka
 * client), {@code WorkflowClient.completePromise(id, value)} / {@code failPromise(...)}, or {@code
 * stepstream promise complete <id> --json '...'}.
 *
 * <pre>{@code
 * DurablePromise<Verdict> review = ctx.promise("review", Verdict.class);
 * ctx.step("ask-reviewer", Void.class, s -> { tickets.open(doc, review.id()); return null; });
 * Verdict v = review.get(Duration.ofDays(3));   // PromiseTimeoutException after 3 days
 * }</pre>
 *
 * <p>The first completion (or failure) wins; later ones are ignored and audited. One that arrives
 * before the workflow reaches {@code promise(...)} or {@code get()} is kept and used.
 *
 * @param <T> the value's type
 */
public interface DurablePromise<T> extends DurableFuture<T> {

  /**
   * The promise's id, {@code prm_...}: opaque, the same on every replay (it names the run and the
   * promise), so it can be handed out in a step and completed by anyone who holds it.
   */
  String id();

  /**
   * The value, waiting as long as it takes (no deadline; the run is parked, holding no thread).
   *
   * @throws PromiseFailedException if it was failed from outside (catch it to handle the failure)
   * @throws PromiseTimeoutException if an earlier {@link #get(Duration)} of this promise timed out
   */
  @Override
  T get();

  /**
   * The value, waiting at most {@code timeout} (counted from the first time this wait was reached;
   * the same deadline on every replay). A timeout settles the promise: completions arriving after
   * it are ignored (audited), as with a Step Functions task token.
   *
   * @throws PromiseTimeoutException if nobody completed it in time
   * @throws PromiseFailedException if it was failed from outside
   */
  T get(Duration timeout);
}
