package io.stepstream.internal.executor;

import io.stepstream.RetryPolicy;
import io.stepstream.StepFailedException;
import io.stepstream.TaskOptions;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.PayloadValue;
import io.stepstream.internal.codec.PromiseIds;

/**
 * Remote tasks of one execution ({@code ctx.task}, ADR 0024): a step whose body an external worker
 * runs. Built from parts whose rules are proven elsewhere: each attempt's task record is an emit
 * (written once, in the transaction that journals it), its outcome a durable promise whose id is the
 * task id (the first completion, failure or timeout wins), the wait between attempts a durable
 * sleep. So a replay walks the same attempts from the journal and runs nothing twice. Journal names:
 * {@link TaskRecords}.
 */
final class RemoteTasks {
  private final ReplayContext ctx;
  private final EmitTopics topics;

  RemoteTasks(ReplayContext ctx, EmitTopics topics) {
    this.ctx = ctx;
    this.topics = topics;
  }

  <T> T call(String name, String queue, Object input, Class<T> type, TaskOptions options, RetryPolicy defaultRetry) {
    ctx.checkName(name);
    if (queue == null || queue.isBlank()) {
      throw new IllegalArgumentException("run " + ctx.run() + ": task '" + name + "' needs a queue name");
    }
    ctx.reserve(name, EntryKind.PROMISE, "task"); // the step's own name: no entry, but no step or wait may take it
    RetryPolicy policy = options.retry() != null ? options.retry() : defaultRetry;
    for (int attempt = 1; ; attempt++) {
      Attempt<T> current = new Attempt<>(name, queue, attempt, type);
      try {
        current.dispatchIfNew(input, options, policy.maximumAttempts());
        return ctx.await(current);
      } catch (AttemptFailed failed) {
        if (failed.nonRetryable || !policy.allowsRetry(attempt, failed.type)) {
          throw new StepFailedException(name, attempt, failed.type,
              failed.getMessage() + (failed.nonRetryable ? " (the worker marked it non-retryable)" : ""), failed.details);
        }
        int failedAttempt = attempt;
        ctx.durableSleep(TaskRecords.BACKOFF_PREFIX + TaskRecords.key(name, attempt),
            () -> ctx.millis() + policy.delayAfter(failedAttempt, ctx.randomDouble()).toMillis());
      }
    }
  }

  /** One attempt: its promise (named {@code $task:<step>#<n>}), dispatched once. */
  private final class Attempt<T> extends ContextFuture<T> {
    private final String step;
    private final String queue;
    private final int attempt;
    private final Class<T> type;
    private final String promiseName;
    private final String taskId;
    /** The deadline this pass set when it dispatched the attempt (the journal does not have it yet). */
    private long dueIfNew = Suspension.NO_DEADLINE;

    Attempt(String step, String queue, int attempt, Class<T> type) {
      super(RemoteTasks.this.ctx, step);
      this.step = step;
      this.queue = queue;
      this.attempt = attempt;
      this.type = type;
      this.promiseName = TaskRecords.promiseName(step, attempt);
      this.taskId = PromiseIds.format(ctx.run(), promiseName);
    }

    /** Journals the task record and the wait the first time this attempt is reached. */
    void dispatchIfNew(Object input, TaskOptions options, int maxAttempts) {
      JournalEntry sent = ctx.reserve(TaskRecords.RECORD_PREFIX + TaskRecords.key(step, attempt), EntryKind.EMIT, "task");
      JournalEntry wait = ctx.reach(Promises.WAIT_PREFIX + promiseName);
      if (sent != null || wait != null || resolved()) {
        return;
      }
      ctx.checkCancel(step);
      long now = ctx.millis();
      long deadline = now + options.timeout().toMillis();
      Long heartbeat = options.heartbeatTimeout() == null ? null : options.heartbeatTimeout().toMillis();
      TaskRecords.Wait registered = new TaskRecords.Wait(queue, step, attempt, deadline, heartbeat);
      var record = TaskRecords.task(topics.taskTopic(ctx.run(), step, queue), taskId, ctx.run(), ctx.workflowTypeOfRun(), registered,
          maxAttempts, ctx.run() + "/" + step, input, now);
      JournalEntry emit = ctx.newEntry(TaskRecords.RECORD_PREFIX + TaskRecords.key(step, attempt), EntryKind.EMIT)
          .setAttempt(attempt).setValue(PayloadCodec.encode(record)).build();
      if (record.getValue().remaining() > ctx.maxOutcomeBytes()) {
        throw new IllegalArgumentException("run " + ctx.run() + ": the input of task '" + step + "' makes a " + record.getValue().remaining()
            + "-byte task record, larger than this engine may write; pass a reference (a URL, a key) instead");
      }
      dueIfNew = heartbeat == null ? deadline : Math.min(deadline, now + heartbeat);
      ctx.record(emit);
      ctx.record(ctx.newEntry(Promises.WAIT_PREFIX + promiseName, EntryKind.PROMISE).setAttempt(attempt).setDueAt(dueIfNew)
          .setValue(PayloadCodec.encode(registered)).build());
    }

    @Override
    boolean resolved() {
      return ctx.journaled(Promises.SETTLED_PREFIX + promiseName) != null;
    }

    @Override
    T outcome() {
      JournalEntry settled = ctx.journaled(Promises.SETTLED_PREFIX + promiseName);
      Signal outcome = ctx.decodeRecorded(settled, settled.getValue(), Signal.class);
      if (outcome.getTimedOut()) {
        cancelTimedOut();
        throw new AttemptFailed(TaskRecords.TIMEOUT, "attempt " + attempt + " of task '" + step + "' (queue '" + queue + "', task id " + taskId
            + ") got no outcome" + (hasHeartbeats() ? " or heartbeat" : "") + " before its deadline; a late outcome is ignored", null, false);
      }
      if (outcome.getError() != null) {
        var error = outcome.getError();
        throw new AttemptFailed(error.getType(), error.getMessage(), error.getDetails(), error.getNonRetryable());
      }
      try {
        return PayloadCodec.decode(ctx.largeValues().read(outcome.getPayload()), type);
      } catch (PayloadCodec.PayloadException e) {
        // the same bytes fail the same way on every replay; another attempt of the same worker would too
        throw new AttemptFailed(TaskRecords.UNDECODABLE_RESULT, "the result of task '" + step + "' attempt " + attempt + " (task id " + taskId
            + ") does not decode as " + type.getName() + ": " + e.getMessage() + "; fix the worker or the declared type", null, true);
      }
    }

    @Override
    Suspension suspension() {
      ctx.checkCancel(step);
      JournalEntry wait = ctx.journaled(Promises.WAIT_PREFIX + promiseName);
      long due = wait != null && wait.getDueAt() != null ? wait.getDueAt() : dueIfNew;
      return new Suspension(due, "task '" + step + "' attempt " + attempt + " on queue '" + queue + "'", Suspension.Kind.PROMISE, promiseName);
    }

    private boolean hasHeartbeats() {
      TaskRecords.Wait w = TaskRecords.waitOf(ctx.journaled(Promises.WAIT_PREFIX + promiseName));
      return w != null && w.heartbeatTimeoutMs() != null;
    }

    /** Tells workers still holding it, once: journaled, so written in the transaction that records it. */
    private void cancelTimedOut() {
      String name = TaskRecords.CANCEL_PREFIX + TaskRecords.key(step, attempt);
      if (ctx.reserve(name, EntryKind.EMIT, "task") != null) {
        return;
      }
      TaskRecords.Wait w = TaskRecords.waitOf(ctx.journaled(Promises.WAIT_PREFIX + promiseName));
      if (w == null || topics.taskCancels() == null) {
        return; // the queue is no longer declared here: nobody to tell through this engine
      }
      ctx.record(ctx.newEntry(name, EntryKind.EMIT).setAttempt(attempt)
          .setValue(PayloadCodec.encode(TaskRecords.cancelNotice(topics.taskCancels(), taskId, ctx.run(), w, "TIMED_OUT"))).build());
    }
  }

  /** A failed attempt, as the worker (or the deadline) reported it. */
  private static final class AttemptFailed extends RuntimeException {
    final String type;
    final io.stepstream.EncodedValue details;
    final boolean nonRetryable;

    AttemptFailed(String type, String message, Payload details, boolean nonRetryable) {
      super(message, null, false, false);
      this.type = type;
      this.details = PayloadValue.of(details);
      this.nonRetryable = nonRetryable;
    }
  }
}
