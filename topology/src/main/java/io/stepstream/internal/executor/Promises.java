package io.stepstream.internal.executor;

import io.stepstream.DurablePromise;
import io.stepstream.PromiseFailedException;
import io.stepstream.PromiseTimeoutException;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.PayloadValue;
import io.stepstream.internal.codec.PromiseIds;
import java.time.Duration;

/**
 * Durable promises of one execution ({@code ctx.promise}). The journal holds, per promise:
 *
 * <ul>
 *   <li>{@code $promise:<name>} (PROMISE): its settlement, written by the orchestrator when the first
 *       completion arrives (before or after the workflow got here), or when a {@code get(timeout)}'s
 *       deadline passes: the completion record itself (a {@code Signal} with {@code promiseId}, and
 *       {@code error} if it was failed, or {@code timedOut}).
 *   <li>{@code $promise-wait:<name>} (PROMISE): the wait, written by the execution the first time
 *       {@code get} is reached: {@code dueAt} is its deadline, absent for none.
 * </ul>
 *
 * The user's name itself holds no entry; it is reserved like a step name, so a step of the same
 * name is a non-determinism error. Both entries are under engine names ('$'), so an id made up by
 * an outside party cannot plant a value under a step's name.
 */
final class Promises {
  static final String SETTLED_PREFIX = "$promise:";
  static final String WAIT_PREFIX = "$promise-wait:";

  private final ReplayContext ctx;

  Promises(ReplayContext ctx) {
    this.ctx = ctx;
  }

  <T> DurablePromise<T> create(String name, Class<T> type) {
    ctx.checkName(name);
    ctx.reserve(name, EntryKind.PROMISE, "promise");
    return new Promise<>(ctx, name, type, PromiseIds.format(ctx.run(), name));
  }

  /** A {@link ContextFuture}, so {@code all}/{@code any} take promises beside branches and children. */
  private final class Promise<T> extends ContextFuture<T> implements DurablePromise<T> {
    private final String name;
    private final Class<T> type;
    private final String id;
    /** The deadline the waiting call asked for; null: none. */
    private Duration timeout;

    Promise(ReplayContext ctx, String name, Class<T> type, String id) {
      super(ctx, name);
      this.name = name;
      this.type = type;
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public T get() {
      timeout = null;
      return ctx.await(this);
    }

    @Override
    public T get(Duration timeout) {
      if (timeout == null) {
        throw new IllegalArgumentException("promise '" + name + "' of run " + ctx.run() + ": get(null); use get() to wait without a deadline");
      }
      this.timeout = timeout;
      return ctx.await(this);
    }

    @Override
    boolean resolved() {
      return ctx.journaled(SETTLED_PREFIX + name) != null;
    }

    @Override
    T outcome() {
      return valueOf(ctx.journaled(SETTLED_PREFIX + name));
    }

    /** The wait, journaled the first time it is reached (with its deadline, if any); the run parks on it. */
    @Override
    Suspension suspension() {
      ctx.checkCancel(name);
      String waitName = WAIT_PREFIX + name;
      JournalEntry wait = ctx.reach(waitName);
      long deadline;
      if (wait != null) {
        deadline = wait.getDueAt() == null ? Suspension.NO_DEADLINE : wait.getDueAt();
      } else {
        Long due = timeout == null ? null : ctx.millis() + timeout.toMillis();
        ctx.record(ctx.newEntry(waitName, EntryKind.PROMISE).setDueAt(due).build());
        deadline = due == null ? Suspension.NO_DEADLINE : due;
      }
      return new Suspension(deadline, "promise '" + name + "'", Suspension.Kind.PROMISE, name);
    }

    private T valueOf(JournalEntry settled) {
      Signal completion = ctx.decodeRecorded(settled, settled.getValue(), Signal.class);
      if (completion.getTimedOut()) {
        throw new PromiseTimeoutException("nobody completed promise '" + name + "' of run " + ctx.run() + " (id " + id
            + ") before its deadline; later completions are ignored");
      }
      if (completion.getError() != null) {
        throw new PromiseFailedException(name, completion.getError().getType(), completion.getError().getMessage(),
            PayloadValue.of(completion.getError().getDetails()));
      }
      return ctx.decodeRecorded(settled, completion.getPayload(), type);
    }
  }
}
