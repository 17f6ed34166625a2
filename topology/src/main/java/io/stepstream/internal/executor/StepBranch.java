package io.stepstream.internal.executor;

import io.stepstream.RetryPolicy;
import io.stepstream.StepFunction;
import io.stepstream.StepOptions;
import io.stepstream.internal.executor.AttemptRunner.Attempt;
import java.lang.reflect.Type;

/**
 * One step of one execution, run inline ({@code ctx.step}) or as a parallel branch ({@code
 * ctx.stepAsync}): journaled already, due for a retry later, queued behind the run's parallelism
 * limit, running, or done. Only the workflow's thread changes its state, except {@link #attempt},
 * which the branch's thread sets before handing it back.
 */
final class StepBranch<T> extends ContextFuture<T> {
  enum State { READY, QUEUED, RUNNING, RETRY_DUE, DONE }

  final Type type;
  final StepOptions options;
  final RetryPolicy policy;
  final StepFunction<T> fn;
  final int attemptNumber;
  final long firstStart;
  private State state;
  private T value;
  private RuntimeException failure;
  private long retryAt;
  private String retryReason;
  long startedAt;
  long startedNanos;
  volatile Attempt<T> attempt;
  /** The attempt's context, which collected the records it emitted. */
  StepAttemptContext context;
  java.util.concurrent.Future<?> thread;
  /** What this step's attempts spent (journaled ones and, once it ended, this execution's); see {@link RunBudget}. */
  io.stepstream.Usage spent = io.stepstream.Usage.ZERO;
  /** True once {@link #spent} was added to the run's usage. */
  boolean usageCounted;
  /** Flow control (ADR 0019): this try's name ({@code <step>@<attempt>:<try>}), whether it holds a permit, and from which limiters. */
  String permitName;
  boolean permitHeld;
  java.util.List<String> permitLimiters = java.util.List.of();
  /** What a wait of this step is: a retry backoff (also a Retry-After), or a permit not granted yet. */
  private Suspension.Kind waitKind = Suspension.Kind.RETRY;
  private String waitName;

  private StepBranch(
      ReplayContext ctx, String name, Type type, StepOptions options, RetryPolicy policy, StepFunction<T> fn, int attemptNumber, long firstStart) {
    super(ctx, name);
    this.type = type;
    this.options = options;
    this.policy = policy;
    this.fn = fn;
    this.attemptNumber = attemptNumber;
    this.firstStart = firstStart;
    this.state = State.READY;
  }

  /** A step to run now: attempt {@code attemptNumber}, the first of which started at {@code firstStart}. */
  static <T> StepBranch<T> ready(
      ReplayContext ctx, String name, Type type, StepOptions options, RetryPolicy policy, StepFunction<T> fn, int attemptNumber, long firstStart) {
    return new StepBranch<>(ctx, name, type, options, policy, fn, attemptNumber, firstStart);
  }

  /** A step whose outcome the journal holds (or that failed before it ran). */
  static <T> StepBranch<T> done(ReplayContext ctx, String name, T value, RuntimeException failure) {
    StepBranch<T> b = new StepBranch<>(ctx, name, null, null, null, null, 0, 0);
    b.finish(value, failure);
    return b;
  }

  /** A step whose next attempt may not start before {@code at}. */
  static <T> StepBranch<T> retryDue(ReplayContext ctx, String name, long at, String reason) {
    StepBranch<T> b = new StepBranch<>(ctx, name, null, null, null, null, 0, 0);
    b.retryAt(at, reason);
    return b;
  }

  /** A step whose permit is not granted yet: no deadline, the grant wakes the run. */
  static <T> StepBranch<T> permitWait(ReplayContext ctx, String name, String permitName, String reason) {
    StepBranch<T> b = new StepBranch<>(ctx, name, null, null, null, null, 0, 0);
    b.retryAt(Suspension.NO_DEADLINE, reason);
    b.waitKind = Suspension.Kind.PERMIT;
    b.waitName = permitName;
    return b;
  }

  void finish(T value, RuntimeException failure) {
    this.value = value;
    this.failure = failure;
    this.state = State.DONE;
  }

  void retryAt(long at, String reason) {
    this.retryAt = at;
    this.retryReason = reason;
    this.state = State.RETRY_DUE;
  }

  void queued() {
    state = State.QUEUED;
  }

  void running() {
    state = State.RUNNING;
  }

  State state() {
    return state;
  }

  long retryAt() {
    return retryAt;
  }

  @Override
  boolean resolved() {
    return state == State.DONE;
  }

  @Override
  T outcome() {
    if (failure != null) {
      throw failure;
    }
    return value;
  }

  @Override
  boolean localWork() {
    return state == State.QUEUED || state == State.RUNNING;
  }

  @Override
  Suspension suspension() {
    return new Suspension(retryAt, retryReason, waitKind, waitName != null ? waitName : name());
  }
}
