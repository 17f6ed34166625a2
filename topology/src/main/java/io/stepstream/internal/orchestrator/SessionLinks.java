package io.stepstream.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.session.SessionIds;
import io.stepstream.internal.session.SessionInbox;
import io.stepstream.internal.session.SessionOutputs;

/**
 * Sessions (ADR 0017) inside the orchestrator: the session inbox's writes go through {@link Outputs}
 * (one EOS transaction), and a turn run that ends tells its session, on the session key's home
 * partition, how it ended and (if it completed) the state its handler journaled.
 */
final class SessionLinks implements SessionOutputs {
  private final RunStore runs;
  private final Outputs outputs;

  SessionLinks(RunStore runs, Outputs outputs) {
    this.runs = runs;
    this.outputs = outputs;
  }

  @Override
  public void startRun(WorkflowRequest request) {
    outputs.toRun(OrchestratorTopology.REQUESTS_SINK, request.getRunId(), Envelopes.encode(request), request.getRunId());
  }

  @Override
  public void command(RunCommand command) {
    outputs.toRun(OrchestratorTopology.REQUESTS_SINK, command.getRunId(), Envelopes.encode(command), command.getRunId());
  }

  @Override
  public void answer(WorkflowResult result) {
    outputs.answer(result);
  }

  @Override
  public void audit(String runId, String workflowType, String detail, boolean duplicate) {
    outputs.emit(outputs.event(runId, duplicate ? AuditEventType.DUPLICATE_REQUEST : AuditEventType.RUN_STARTED)
        .setWorkflowType(workflowType).setDetail(Outputs.cut(detail)));
  }

  @Override
  public long now() {
    return outputs.now();
  }

  /** Every result written (Outputs' listener): a turn run's end goes to its session. */
  void onResult(WorkflowResult result) {
    if (!SessionIds.isTurnWorkflow(result.getWorkflowType())) {
      return;
    }
    SessionIds.Turn turn;
    try {
      turn = SessionIds.parse(result.getRunId());
    } catch (IllegalArgumentException e) {
      return; // a run of a turn workflow type started by hand under another id: no session waits for it
    }
    JsonNode state = null;
    if (result.getStatus() == RunStatus.COMPLETED) {
      JournalEntry entry = runs.entry(result.getRunId(), SessionIds.STATE_STEP);
      if (entry != null && entry.getValue() != null) {
        state = PayloadCodec.decode(entry.getValue(), JsonNode.class);
      }
    }
    String status = result.getStatus().name();
    outputs.toRun(OrchestratorTopology.SESSIONS_SINK, turn.sessionKey(), SessionInbox.turnEnded(result.getRunId(), status, state),
        result.getRunId());
  }
}
