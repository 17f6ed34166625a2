package io.stepstream.internal.executor;

import io.stepstream.DurableFuture;

/**
 * A {@link DurableFuture} of one execution. Everything about it is decided on the workflow's
 * thread from the journal and from branches that thread has collected, so the same journal gives
 * the same answers on every replay.
 */
abstract class ContextFuture<T> implements DurableFuture<T> {
  private final String name;
  final ReplayContext ctx;

  ContextFuture(ReplayContext ctx, String name) {
    this.ctx = ctx;
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public T get() {
    return ctx.await(this);
  }

  /** The outcome is known: {@link #outcome()} returns or throws it. */
  abstract boolean resolved();

  /** The value, or the failure thrown; only once {@link #resolved()}. */
  abstract T outcome();

  /** Work of this execution will resolve it (a branch running or queued): wait on this thread. */
  boolean localWork() {
    return false;
  }

  /** Neither resolved nor local work: how the run waits for it, parked. */
  abstract Suspension suspension();
}
