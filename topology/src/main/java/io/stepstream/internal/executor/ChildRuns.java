package io.stepstream.internal.executor;

import io.stepstream.ChildOptions;
import io.stepstream.ChildWorkflowFailedException;
import io.stepstream.DurableFuture;
import io.stepstream.NonDeterminismException;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.ChildStart;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.PayloadValue;
import java.time.Clock;

/**
 * Child runs of one execution ({@code WorkflowContext.startChild}). The journal rules:
 *
 * <ul>
 *   <li>{@code $child:<name>} (CHILD_START), written by the execution: a {@link ChildStart} (the
 *       child's run id, type, input, parent-close policy). The orchestrator, applying it the first time,
 *       writes the request to the child's home partition of the requests topic in its transaction.
 *   <li>{@code <name>} (CHILD_RESULT), written by the orchestrator when the child's result comes
 *       back (first wins): the child's {@link WorkflowResult}.
 * </ul>
 *
 * <p><b>Bounded concurrency, deterministic from the journal.</b> Active children = CHILD_START
 * entries without a CHILD_RESULT, counted once from the journal this execution replays, plus those
 * this pass starts. A call that finds {@code active >= maxActiveChildren} journals nothing: the child
 * is queued, and a later pass (woken by a child's result) starts it when a slot is free. A journaled
 * start is always honoured on replay, whatever the count says now.
 *
 * <p><b>Waiting.</b> {@code get()} on an unfinished child ends the execution WAITING (kind CHILD,
 * no deadline, no timer). Its wait name is the child's name, so only that child's result wakes the
 * run; when children are queued the wait name is empty, and any child's result wakes it (a slot
 * freed).
 */
final class ChildRuns {
  static final String START_PREFIX = "$child:";
  static final String RUN_ID_SEPARATOR = "::";
  private static final int MAX_RUN_ID_LENGTH = 512;

  private final ReplayContext ctx;
  private final ExecutionRequest request;
  private final Clock clock;
  private int active;
  private int queued;
  private int bufferedBytes;

  ChildRuns(ReplayContext ctx, ExecutionRequest request, Clock clock) {
    this.ctx = ctx;
    this.request = request;
    this.clock = clock;
    for (JournalEntry e : request.journal().values()) {
      if (e.getKind() == EntryKind.CHILD_START) {
        active++;
      } else if (e.getKind() == EntryKind.CHILD_RESULT) {
        active--;
      }
    }
  }

  <O> DurableFuture<O> start(String name, String workflowType, Object input, Class<O> outputType, ChildOptions options) {
    ctx.checkName(name);
    java.util.Objects.requireNonNull(workflowType, "workflowType");
    java.util.Objects.requireNonNull(outputType, "outputType");
    java.util.Objects.requireNonNull(options, "options");
    JournalEntry result = ctx.reserve(name, EntryKind.CHILD_RESULT, "startChild");
    JournalEntry started = ctx.reserve(START_PREFIX + name, EntryKind.CHILD_START, "startChild");
    String childRunId = options.runId() != null ? options.runId() : request.runId() + RUN_ID_SEPARATOR + name;
    if (started != null) {
      ChildStart recorded = ctx.decodeRecorded(started, started.getValue(), ChildStart.class);
      checkSameChild(name, recorded, childRunId, workflowType);
      return new Child<>(ctx, name, recorded.getRunId(), outputType, result, true);
    }
    ctx.checkCancel(name);
    if (active >= options.maxActiveChildren()) {
      queued++;
      return new Child<>(ctx, name, childRunId, outputType, null, false);
    }
    checkRunId(childRunId, name);
    Payload encodedInput;
    try {
      encodedInput = PayloadCodec.encode(input);
    } catch (PayloadCodec.PayloadException e) {
      throw new IllegalArgumentException("the input of child '" + name + "' of run " + request.runId() + " cannot be encoded: "
          + e.getMessage() + "; pass a record, a POJO or an Avro generated type", e);
    }
    ChildStart childRequest =
        ChildStart.newBuilder()
            .setRunId(childRunId)
            .setWorkflowType(workflowType)
            .setInput(encodedInput)
            .setRequestedAt(clock.millis())
            .setParentClosePolicy(options.parentClosePolicy().name())
            .build();
    journal(name, ctx.newEntry(START_PREFIX + name, EntryKind.CHILD_START).setValue(PayloadCodec.encode(childRequest)).build());
    active++;
    return new Child<>(ctx, name, childRunId, outputType, null, true);
  }

  /** Same name, other child: the code changed under a journaled start; parks like any such change. */
  private void checkSameChild(String name, ChildStart recorded, String childRunId, String workflowType) {
    if (!recorded.getRunId().equals(childRunId) || !recorded.getWorkflowType().equals(workflowType)) {
      throw ctx.park(new NonDeterminismException(
          "run " + request.runId() + ": child '" + name + "' was started as run " + recorded.getRunId() + " of type '"
              + recorded.getWorkflowType() + "' but the code now starts it as run " + childRunId + " of type '" + workflowType
              + "'; the workflow code changed incompatibly. Restore the old code or give the new child another name, then"
              + " `stepstream resume " + request.runId() + "`"));
    }
  }

  private void checkRunId(String childRunId, String name) {
    if (childRunId.length() > MAX_RUN_ID_LENGTH || childRunId.indexOf('\u0000') >= 0) {
      throw new IllegalArgumentException("child '" + name + "' of run " + request.runId() + " would get run id '" + childRunId
          + "', but run ids must be at most " + MAX_RUN_ID_LENGTH + " characters without NUL characters; use a shorter name or"
          + " ChildOptions.runId(...)");
    }
  }

  /** Buffered with the next outcome; a fan-out of thousands goes out in batches well below the record limit. */
  private void journal(String name, JournalEntry entry) {
    int size = Envelopes.encode(entry).length;
    int batch = ctx.maxOutcomeBytes() / 2;
    if (size > batch) {
      throw new IllegalArgumentException("the input of child '" + name + "' of run " + request.runId() + " makes a " + size
          + "-byte journal entry, more than this engine writes in one record; pass a reference to data stored elsewhere");
    }
    if (bufferedBytes + size > batch) {
      ctx.flushBuffered();
      bufferedBytes = 0;
    }
    ctx.record(entry);
    bufferedBytes += size;
  }

  /** A child's future: done when its result is journaled; a {@link ContextFuture}, so all/any take it. */
  private final class Child<O> extends ContextFuture<O> {
    private final String name;
    private final String runId;
    private final Class<O> outputType;
    private final JournalEntry result;
    private final boolean started;

    Child(ReplayContext ctx, String name, String runId, Class<O> outputType, JournalEntry result, boolean started) {
      super(ctx, name);
      this.name = name;
      this.runId = runId;
      this.outputType = outputType;
      this.result = result;
      this.started = started;
    }

    @Override
    boolean resolved() {
      return result != null;
    }

    @Override
    Suspension suspension() {
      ctx.checkCancel(name);
      String reason = (started ? "child '" : "queued child '") + name + "' (run " + runId + ")";
      // with queued children, any child's result frees a slot: wake on any of them
      String waitFor = queued > 0 ? null : name;
      return new Suspension(Suspension.NO_DEADLINE, reason, Suspension.Kind.CHILD, waitFor);
    }

    @Override
    O outcome() {
      WorkflowResult finished = ctx.decodeRecorded(result, result.getValue(), WorkflowResult.class);
      if (finished.getStatus() == RunStatus.COMPLETED) {
        return finished.getOutput() == null ? null : ctx.decodeRecorded(result, finished.getOutput(), outputType);
      }
      var error = finished.getError();
      throw new ChildWorkflowFailedException(name, finished.getRunId(), io.stepstream.RunStatus.valueOf(finished.getStatus().name()),
          error == null ? finished.getStatus().name() : error.getType(), error == null ? "" : error.getMessage(),
          error == null ? null : PayloadValue.of(error.getDetails()));
    }

    @Override
    public String toString() {
      return "child '" + name + "' (run " + runId + (result != null ? ", done)" : started ? ", running)" : ", queued)");
    }
  }
}
