package io.stepstream.internal.orchestrator;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.ExternalInputDecoder;
import io.stepstream.internal.codec.InvalidInputException;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Approval decisions and signals from outside: checked for a run to apply to, then handed to the
 * {@link WaitResolver}. Anything that cannot apply goes to the DLQ with the reason, and the events
 * topic says so too.
 */
final class ExternalInputHandler {
  private final RunStore store;
  private final Outputs outputs;
  private final WaitResolver waits;

  ExternalInputHandler(RunStore store, Outputs outputs, WaitResolver waits) {
    this.store = store;
    this.outputs = outputs;
    this.waits = waits;
  }

  void decision(Record<String, byte[]> record) {
    ApprovalDecision decision = ExternalInputDecoder.decision(record.value());
    RunState state = runFor(record, decision.getRunId(), AuditEventType.DECISION_REJECTED, "approval '" + decision.getApprovalName() + "'");
    waits.onDecision(record, state, decision);
  }

  void signal(Record<String, byte[]> record, String topic, int partition, long offset) {
    Signal signal = ExternalInputDecoder.signal(record.value());
    RunState state = runFor(record, signal.getRunId(), AuditEventType.SIGNAL_REJECTED, "event '" + signal.getName() + "'");
    String signalId = signal.getSignalId() != null ? signal.getSignalId() : topic + "-" + partition + "-" + offset;
    waits.onSignal(record, state, signal, signalId);
  }

  /** The live run the input is for, or an InvalidInputException (to the DLQ) saying why there is none. */
  private RunState runFor(Record<String, byte[]> record, String runIdInValue, AuditEventType rejected, String what) {
    String runId = runIdInValue == null || runIdInValue.isEmpty() ? record.key() : runIdInValue;
    if (runId == null || record.key() == null || !record.key().equals(runId)) {
      throw new InvalidInputException("KEY_MISMATCH", "key " + what + " by its run id (key '" + record.key() + "', runId '" + runIdInValue + "')");
    }
    RunState state = store.run(runId);
    String why =
        state == null ? "there is no run " + runId + " for " + what
            : RequestHandler.isFinished(state) ? "run " + runId + " already ended " + state.getStatus() + "; " + what + " not applied"
            : null;
    if (why != null) {
      outputs.audit(runId, rejected, null, 0, 0, why);
      throw new InvalidInputException(state == null ? "UNKNOWN_RUN" : "RUN_FINISHED", why);
    }
    return state;
  }
}
