package io.stepstream.internal.session;

import io.stepstream.avro.RunCommand;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;

/** What the session inbox writes, all inside the task's EOS transaction (the orchestrator implements it). */
public interface SessionOutputs {
  /** A turn run's request, to the requests topic on the run's home partition. */
  void startRun(WorkflowRequest request);

  /** A command for a turn run (the cancel of an interrupted turn). */
  void command(RunCommand command);

  /** An answer about a message that started no run (rejected): a result record only, no run exists. */
  void answer(WorkflowResult result);

  /** An audit event about a session message, under the run id the message maps to. */
  void audit(String runId, String workflowType, String detail, boolean duplicate);

  long now();
}
