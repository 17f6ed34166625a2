package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.ChildStart;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.Signal;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.PayloadCodec;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Parent and child runs (ADR 0011). A parent and its child may live on different partitions, so
 * everything between them goes through an input topic keyed by the other run's id, written in the
 * writer's EOS transaction and routed to the reader's home partition:
 *
 * <ul>
 *   <li>start: the parent's CHILD_START entry {@code $child:<name>}, journaled the first time,
 *       writes the child's {@link WorkflowRequest} to the requests topic, with headers naming the
 *       parent ({@value #PARENT_RUN_ID_HEADER}, {@value #CHILD_NAME_HEADER});
 *   <li>result: a run with a parent that ends writes a {@link Signal} named {@code $child:<name>}
 *       (payload: its {@link WorkflowResult}, signal id: its run id) to the signals topic; the
 *       parent journals it as the CHILD_RESULT entry {@code <name>} (first wins) and is woken if it
 *       waits for it;
 *   <li>parent close: a run that ends with children still unfinished sends each a CANCEL command
 *       (unless started with {@code ParentClosePolicy.ABANDON}).
 * </ul>
 */
final class ChildLinks {
  /** Names the parent's CHILD_START entries and the signals carrying children's results. */
  static final String CHILD_PREFIX = "$child:";
  static final String WAIT_KIND = "CHILD";
  /** Error type of a child whose requested run id another run already has. */
  static final String RUN_ID_IN_USE = "CHILD_RUN_ID_IN_USE";
  /** Headers of a child's request record: the public request envelope stays as users write it. */
  static final String PARENT_RUN_ID_HEADER = "stepstream.parent.run-id";
  static final String CHILD_NAME_HEADER = "stepstream.parent.child-name";
  /** Room for the signal's own fields around the child's result. */
  private static final int ENVELOPE_ROOM = 4_096;

  private final RunStore store;
  private final TimerStore timers;
  private final Outputs outputs;
  private final RunDispatcher dispatcher;

  ChildLinks(RunStore store, TimerStore timers, Outputs outputs, RunDispatcher dispatcher) {
    this.store = store;
    this.timers = timers;
    this.outputs = outputs;
    this.dispatcher = dispatcher;
  }

  /** A CHILD_START entry was journaled (the first time): the child's request goes out in this transaction. */
  void onChildStart(RunState parent, JournalEntry start) {
    parent.setChildrenStarted(parent.getChildrenStarted() + 1);
    ChildStart child = PayloadCodec.decode(start.getValue(), ChildStart.class);
    WorkflowRequest request = new WorkflowRequest(child.getRunId(), child.getWorkflowType(), child.getInput(), child.getRequestedAt());
    outputs.childRequest(request.getRunId(), Envelopes.encode(request), parent.getRunId(), childName(start));
    outputs.audit(parent, AuditEventType.CHILD_STARTED, childName(start), 0, start.getGeneration(),
        "child run " + request.getRunId() + " of type " + request.getWorkflowType());
  }

  /**
   * A run ended ({@code result} as written to the results topic): its parent, if any, gets the
   * result; its unfinished children are cancelled unless they were started to be abandoned.
   */
  void onRunFinished(RunState state, WorkflowResult result) {
    if (state.getParentRunId() != null) {
      reportTo(state.getParentRunId(), state.getParentChildName(), result, state.getRunId());
    }
    closeChildren(state);
  }

  private void reportTo(String parentRunId, String childName, WorkflowResult result, String childRunId) {
    Signal signal = resultSignal(parentRunId, childName, result);
    byte[] encoded = Envelopes.encode(signal);
    if (encoded.length > outputs.recordLimit().bytes() - ENVELOPE_ROOM) {
      // the child's output fitted its result, but not with the parent's envelope around it: say so, do not crash the task
      WorkflowResult tooLarge = WorkflowResult.newBuilder(result).setStatus(RunStatus.FAILED).setOutput(null)
          .setError(ErrorInfo.newBuilder().setType("RECORD_TOO_LARGE").setMessage("the output of child run " + childRunId + " ("
              + encoded.length + " bytes with its envelope) is too large to hand to its parent " + parentRunId
              + "; return a reference to data stored elsewhere").build())
          .build();
      encoded = Envelopes.encode(resultSignal(parentRunId, childName, tooLarge));
    }
    outputs.toRun(OrchestratorTopology.SIGNALS_SINK, parentRunId, encoded, childRunId);
  }

  private Signal resultSignal(String parentRunId, String childName, WorkflowResult result) {
    return Signal.newBuilder()
        .setRunId(parentRunId)
        .setName(CHILD_PREFIX + childName)
        .setPayload(PayloadCodec.encode(result))
        .setSignalId(result.getRunId())
        .setSentAt(outputs.now())
        .build();
  }

  /** The parent-close policy: unfinished children of a run that ended are cancelled (default) or left alone. */
  private void closeChildren(RunState state) {
    if (state.getChildrenStarted() == 0) {
      return; // most runs start no child: no journal scan for them
    }
    for (JournalEntry start : store.entriesStartingWith(state.getRunId(), CHILD_PREFIX)) {
      if (start.getKind() != EntryKind.CHILD_START || store.entry(state.getRunId(), childName(start)) != null) {
        continue; // its result is in
      }
      ChildStart child = PayloadCodec.decode(start.getValue(), ChildStart.class);
      if ("ABANDON".equals(child.getParentClosePolicy())) {
        continue;
      }
      RunCommand cancel =
          RunCommand.newBuilder()
              .setRunId(child.getRunId())
              .setCommandId("$parent-close:" + state.getRunId())
              .setType(RunCommandType.CANCEL)
              .setReason("its parent run " + state.getRunId() + " ended " + state.getStatus())
              .setRequestedBy("parent run " + state.getRunId())
              .setRequestedAt(outputs.now())
              .build();
      outputs.toRun(OrchestratorTopology.REQUESTS_SINK, child.getRunId(), Envelopes.encode(cancel), state.getRunId());
    }
  }

  /** Who started a run, from its request record's headers; null for a run started from outside. */
  static Parent parentOf(org.apache.kafka.common.header.Headers headers) {
    var runId = headers.lastHeader(PARENT_RUN_ID_HEADER);
    var name = headers.lastHeader(CHILD_NAME_HEADER);
    if (runId == null || name == null) {
      return null;
    }
    return new Parent(new String(runId.value(), java.nio.charset.StandardCharsets.UTF_8),
        new String(name.value(), java.nio.charset.StandardCharsets.UTF_8));
  }

  /** A child run's parent and its name there. */
  record Parent(String runId, String childName) {}

  /** A request for a run id that exists: if it came from a parent for another run, that parent must hear so. */
  void onDuplicateRequest(WorkflowRequest request, Parent parent, RunState existing) {
    if (parent == null || (parent.runId().equals(existing.getParentRunId()) && parent.childName().equals(existing.getParentChildName()))) {
      return; // not a child, or this very child again
    }
    String message = "child '" + parent.childName() + "' of run " + parent.runId() + " asked for run id "
        + request.getRunId() + ", which run " + (existing.getParentRunId() == null ? "" : "(a child of " + existing.getParentRunId() + ") ")
        + "already has; give the child another ChildOptions.runId(...) (or leave it out: <parent run id>::<name>)";
    WorkflowResult refused =
        WorkflowResult.newBuilder()
            .setRunId(request.getRunId())
            .setWorkflowType(request.getWorkflowType())
            .setStatus(RunStatus.FAILED)
            .setError(ErrorInfo.newBuilder().setType(RUN_ID_IN_USE).setMessage(message).build())
            .setStartedAt(outputs.now())
            .setFinishedAt(outputs.now())
            .build();
    reportTo(parent.runId(), parent.childName(), refused, request.getRunId());
  }

  static boolean isChildResult(Signal signal) {
    return signal.getName() != null && signal.getName().startsWith(CHILD_PREFIX);
  }

  /** A child's result arrived at its parent ({@code parent} null: no such run here). */
  void onChildResult(Record<String, byte[]> record, String parentRunId, RunState parent, Signal signal) {
    String name = signal.getName().substring(CHILD_PREFIX.length());
    WorkflowResult result;
    try {
      result = PayloadCodec.decode(signal.getPayload(), WorkflowResult.class);
    } catch (RuntimeException e) {
      throw new InvalidInputException("UNDECODABLE_CHILD_RESULT", "the result of child '" + name + "' for run " + parentRunId
          + " is not a WorkflowResult: " + e.getMessage());
    }
    if (parent == null) {
      throw new InvalidInputException("UNKNOWN_PARENT", "a result of child '" + name + "' (run " + result.getRunId() + ") arrived for run "
          + parentRunId + ", which does not exist here");
    }
    if (RequestHandler.isFinished(parent)) {
      // journaled all the same (first wins), not used now: a restart from an earlier step (ADR 0016) finds it
      JournalEntry start = store.entry(parentRunId, CHILD_PREFIX + name);
      if (start != null && result.getRunId().equals(PayloadCodec.decode(start.getValue(), ChildStart.class).getRunId())) {
        store.recordInOrderAndSave(parent, childResult(parentRunId, name, result, signal, parent));
      }
      outputs.audit(parent, AuditEventType.CHILD_FINISHED, name, 0, parent.getGeneration(), "child run " + result.getRunId()
          + " ended " + result.getStatus() + " after this run ended " + parent.getStatus() + "; its result is not used");
      return;
    }
    JournalEntry start = store.entry(parentRunId, CHILD_PREFIX + name);
    String expected = start == null ? null : PayloadCodec.decode(start.getValue(), ChildStart.class).getRunId();
    if (!result.getRunId().equals(expected)) {
      throw new InvalidInputException("UNKNOWN_CHILD", "run " + parentRunId + " started no child '" + name + "' as run "
          + result.getRunId() + (expected == null ? "" : " (its child '" + name + "' is run " + expected + ")") + "; result not applied");
    }
    JournalEntry entry = childResult(parentRunId, name, result, signal, parent);
    if (!store.recordInOrder(parent, entry)) {
      outputs.audit(parent, AuditEventType.CHILD_FINISHED, name, 0, parent.getGeneration(),
          "child run " + result.getRunId() + ": a result was already recorded; the first stands");
      return;
    }
    parent.setEntryCount(parent.getEntryCount() + 1);
    parent.setChildResultGeneration(parent.getGeneration());
    outputs.audit(parent, AuditEventType.CHILD_FINISHED, name, 0, parent.getGeneration(), "child run " + result.getRunId() + " ended "
        + result.getStatus() + (result.getError() == null ? "" : ": " + result.getError().getType() + ": " + result.getError().getMessage()));
    if (parent.getStatus() == RunStatus.WAITING && WAIT_KIND.equals(parent.getWaitKind())
        && (parent.getWaitName() == null || parent.getWaitName().equals(name))) {
      wake(parent);
    } else {
      parent.setUpdatedAt(outputs.now());
      store.save(parent);
    }
  }

  private JournalEntry childResult(String parentRunId, String name, WorkflowResult result, Signal signal, RunState parent) {
    return JournalEntry.newBuilder()
        .setRunId(parentRunId)
        .setName(name)
        .setKind(EntryKind.CHILD_RESULT)
        .setSucceeded(result.getStatus() == RunStatus.COMPLETED)
        .setValue(signal.getPayload())
        .setGeneration(parent.getGeneration())
        .setRecordedAt(outputs.now())
        .build();
  }

  /**
   * The parent's execution just ended waiting for a child: a result journaled while it ran (it did
   * not see it) wakes it at once.
   */
  void onWaiting(RunState state) {
    boolean arrived = state.getWaitName() != null
        ? store.entry(state.getRunId(), state.getWaitName()) != null
        : state.getChildResultGeneration() >= state.getGeneration();
    if (arrived) {
      wake(state);
    }
  }

  private void wake(RunState state) {
    if (state.getWakeAt() != null) {
      timers.cancel(state.getWakeAt(), state.getRunId());
    }
    dispatcher.dispatch(state);
  }

  private static String childName(JournalEntry start) {
    return start.getName().substring(CHILD_PREFIX.length());
  }
}
