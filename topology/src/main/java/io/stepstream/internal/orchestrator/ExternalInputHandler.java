package io.stepstream.internal.orchestrator;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.EnvelopeReader;
import io.stepstream.internal.codec.ExternalInputDecoder;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.PromiseIds;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Approval decisions and signals from outside: checked for a run to apply to, then handed to the
 * {@link WaitResolver}; for a run id with no request yet, kept by {@link EarlyInputs}. Anything that
 * cannot apply goes to the DLQ with the reason, and the events topic says so too.
 */
final class ExternalInputHandler {
  private final RunStore store;
  private final Outputs outputs;
  private final WaitResolver waits;
  private final EarlyInputs early;
  private final ApprovalGuard guard;
  private final EnvelopeReader reader;
  private ChildLinks children;

  ExternalInputHandler(RunStore store, Outputs outputs, WaitResolver waits, EarlyInputs early, ApprovalGuard guard, EnvelopeReader reader) {
    this.reader = reader;
    this.store = store;
    this.outputs = outputs;
    this.waits = waits;
    this.early = early;
    this.guard = guard;
  }

  /** Child runs' results come as signals named {@code $child:<name>}. */
  ExternalInputHandler withChildren(ChildLinks children) {
    this.children = children;
    return this;
  }

  void decision(Record<String, byte[]> record) {
    ApprovalDecision decision = ExternalInputDecoder.decision(record.value(), reader);
    String what = "approval '" + decision.getApprovalName() + "'";
    String runId = runIdOf(record, decision.getRunId(), what);
    RunState state = store.run(runId);
    if (state == null) {
      try {
        guard.checkToken(decision, runId, outputs.now());
        guard.approver(decision, runId, outputs.now()); // and again when the run asks, as of this arrival
      } catch (DecisionRefused refused) {
        String why = refused.getMessage() + " (run " + runId + " is not known yet)";
        outputs.audit(runId, AuditEventType.DECISION_REJECTED, decision.getApprovalName(), 0, 0, why);
        throw new InvalidInputException(refused.code(), why);
      }
      early.keepDecision(record, runId, decision);
      return;
    }
    if (ignoredIfFinished(state, AuditEventType.DECISION_IGNORED, decision.getApprovalName(), what)) {
      return;
    }
    waits.onDecision(record, state, decision);
  }

  void signal(Record<String, byte[]> record, String topic, int partition, long offset) {
    Signal signal = ExternalInputDecoder.signal(record.value(), reader);
    if (signal.getPromiseId() != null) {
      promiseCompletion(record, signal);
      return;
    }
    String what = "event '" + signal.getName() + "'";
    String runId = runIdOf(record, signal.getRunId(), what);
    String signalId = signal.getSignalId() != null ? signal.getSignalId() : topic + "-" + partition + "-" + offset;
    RunState state = store.run(runId);
    if (ChildLinks.isChildResult(signal)) {
      children.onChildResult(record, runId, state, signal);
      return;
    }
    if (state == null) {
      early.keepSignal(record, runId, signal, signalId);
      return;
    }
    if (ignoredIfFinished(state, AuditEventType.SIGNAL_IGNORED, signal.getName(), what)) {
      return;
    }
    waits.onSignal(record, state, signal, signalId);
  }

  /** Keyed by the run id or by the promise id itself; an unknown run keeps it, a finished one refuses it (as events). */
  private void promiseCompletion(Record<String, byte[]> record, Signal completion) {
    String runId = PromiseIds.parse(completion.getPromiseId()).runId(); // the decoder checked it parses
    String what = "the completion of promise '" + completion.getName() + "'";
    boolean keyed = runId.equals(record.key()) || completion.getPromiseId().equals(record.key());
    boolean sameRun = completion.getRunId() == null || completion.getRunId().isEmpty() || completion.getRunId().equals(runId);
    if (!keyed || !sameRun) {
      throw new InvalidInputException("KEY_MISMATCH", "key " + what + " by its run id '" + runId + "' or by the promise id (key '"
          + record.key() + "', runId '" + completion.getRunId() + "'; the promise id names run '" + runId + "')");
    }
    RunState state = store.run(runId);
    if (completion.getHeartbeat()) {
      if (state == null) { // a sign of life only matters to a waiting attempt: never kept as a settlement
        outputs.audit(runId, AuditEventType.SIGNAL_IGNORED, completion.getName(), 0, 0, "heartbeat for an unknown run; ignored");
      } else if (!ignoredIfFinished(state, AuditEventType.SIGNAL_IGNORED, completion.getName(), "a heartbeat of task '" + completion.getName() + "'")) {
        waits.onTaskHeartbeat(state, completion);
      }
      return;
    }
    if (state == null) {
      early.keepPromise(record, runId, completion);
      return;
    }
    if (ignoredIfFinished(state, AuditEventType.SIGNAL_IGNORED, completion.getName(), what)) {
      return;
    }
    waits.onPromiseCompletion(state, completion);
  }

  private static String runIdOf(Record<String, byte[]> record, String runIdInValue, String what) {
    String runId = runIdInValue == null || runIdInValue.isEmpty() ? record.key() : runIdInValue;
    if (runId == null || record.key() == null || !record.key().equals(runId)) {
      throw new InvalidInputException("KEY_MISMATCH", "key " + what + " by its run id (key '" + record.key() + "', runId '" + runIdInValue + "')");
    }
    return runId;
  }

  /**
   * An input for a run that already ended is merely late: audited as ignored (reason {@code
   * RUN_FINISHED}), not dead-lettered (ADR 0016). True if it was.
   */
  private boolean ignoredIfFinished(RunState state, AuditEventType ignored, String name, String what) {
    if (!RequestHandler.isFinished(state)) {
      return false;
    }
    outputs.audit(state, ignored, name, 0, 0, "RUN_FINISHED: run " + state.getRunId() + " already ended " + state.getStatus()
        + "; " + what + " not applied");
    return true;
  }
}
