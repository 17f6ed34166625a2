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
    return new Promise<>(name, type, PromiseIds.format(ctx.run(), name));
  }

  private final class Promise<T> implements DurablePromise<T> {
    private final String name;
    private final Class<T> type;
    private final String id;

    Promise(String name, Class<T> type, String id) {
      this.name = name;
      this.type = type;
      this.id = id;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public T get() {
      return await(null);
    }

    @Override
    public T get(Duration timeout) {
      if (timeout == null) {
        throw new IllegalArgumentException("promise '" + name + "' of run " + ctx.run() + ": get(null); use get() to wait without a deadline");
      }
      return await(timeout);
    }

    @Override
    public boolean isDone() {
      ctx.enterFromPromise();
      return ctx.journaled(SETTLED_PREFIX + name) != null;
    }

    private T await(Duration timeout) {
      ctx.enterFromPromise();
      JournalEntry settled = ctx.journaled(SETTLED_PREFIX + name);
      if (settled != null) {
        return valueOf(settled);
      }
      ctx.checkCancel(name);
      JournalEntry wait = ctx.journaled(WAIT_PREFIX + name);
      long deadline;
      if (wait != null) {
        deadline = wait.getDueAt() == null ? Suspension.NO_DEADLINE : wait.getDueAt();
      } else {
        Long due = timeout == null ? null : ctx.millis() + timeout.toMillis();
        ctx.record(ctx.newEntry(WAIT_PREFIX + name, EntryKind.PROMISE).setDueAt(due).build());
        deadline = due == null ? Suspension.NO_DEADLINE : due;
      }
      throw ctx.suspend(new Suspension(deadline, "promise '" + name + "'", Suspension.Kind.PROMISE, name));
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
