package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.PromiseIds;

/**
 * Settles durable promises ({@code ctx.promise}) exactly once: by the first completion (or
 * failure) read from the signals topic, or by the deadline of a {@code get(timeout)}, whichever the
 * orchestrator records first. The settlement is journaled as {@code $promise:<name>} (PROMISE), the
 * completion record itself as its value; the execution's {@code Promises} reads it there. Later
 * completions are audited ({@code SIGNAL_IGNORED}), not dead-lettered: a second party completing
 * the same task is not an error of the input.
 */
final class PromiseCompletions {
  /** The same names as the executor's {@code Promises} (settlement; the wait is {@code $promise-wait:}). */
  static final String SETTLED_PREFIX = "$promise:";

  private final RunStore store;
  private final Outputs outputs;

  PromiseCompletions(RunStore store, Outputs outputs) {
    this.store = store;
    this.outputs = outputs;
  }

  /** Records the completion unless the promise is settled; true if it settled it now. */
  boolean settle(RunState state, Signal completion) {
    String name = completion.getName();
    completion.setRunId(state.getRunId());
    if (!store.recordInOrderAndSave(state, settlement(state, name, completion))) {
      outputs.audit(state, AuditEventType.SIGNAL_IGNORED, name, 0, state.getGeneration(),
          "promise '" + name + "' was already settled; this " + what(completion) + " was ignored (the first one stands)");
      return false;
    }
    outputs.audit(state, AuditEventType.SIGNAL_RECEIVED, name, 0, state.getGeneration(), "promise '" + name + "' " + what(completion));
    return true;
  }

  /** A {@code get(timeout)} reached its deadline: settles the promise as timed out, unless a completion came first. */
  void timeOut(RunState state, String name) {
    Signal timedOut = Signal.newBuilder().setRunId(state.getRunId()).setName(name).setPromiseId(PromiseIds.format(state.getRunId(), name))
        .setTimedOut(true).setSentAt(outputs.now()).build();
    if (store.recordInOrderAndSave(state, settlement(state, name, timedOut))) {
      outputs.audit(state, AuditEventType.WAIT_TIMED_OUT, name, 0, state.getGeneration(),
          name.startsWith(io.stepstream.internal.executor.TaskRecords.PROMISE_PREFIX)
              ? "no worker answered task attempt '" + name.substring(io.stepstream.internal.executor.TaskRecords.PROMISE_PREFIX.length())
                  + "' before its deadline (or heartbeat deadline); a late outcome is ignored"
              : "nobody completed promise '" + name + "' before the deadline; later completions are ignored");
    }
  }

  boolean isSettled(String runId, String name) {
    return store.entry(runId, SETTLED_PREFIX + name) != null;
  }

  private static String what(Signal completion) {
    return completion.getError() == null ? "completed" : "failed (" + completion.getError().getType() + ")";
  }

  private JournalEntry settlement(RunState state, String name, Signal completion) {
    return JournalEntry.newBuilder()
        .setRunId(state.getRunId())
        .setName(SETTLED_PREFIX + name)
        .setKind(EntryKind.PROMISE)
        .setSucceeded(completion.getError() == null && !completion.getTimedOut())
        .setValue(PayloadCodec.encode(completion))
        .setGeneration(state.getGeneration())
        .setRecordedAt(outputs.now())
        .build();
  }
}
