package io.stepstream.internal.orchestrator;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Resolves approval and event waits exactly once: by a valid decision, by a matching event, or by
 * the deadline, whichever the orchestrator records first. Decisions and events that arrive before
 * their wait are stored in the run's journal and used when the wait is reached.
 *
 * <p>Approvals are resolved here. Events are matched by the execution (the workflow's predicate is
 * Java code); the orchestrator only stores them and wakes the run. A timeout is recorded only while
 * the run is WAITING, i.e. no execution is live that could be resolving the same wait.
 */
final class WaitResolver {
  static final String WAIT_PREFIX = "$wait:";
  static final String DECISION_PREFIX = "$decision:";
  static final String SIGNAL_PREFIX = "$signal:";

  private final RunStore store;
  private final TimerStore timers;
  private final Outputs outputs;
  private final RunDispatcher dispatcher;
  private final ApprovalGuard guard;
  private final PromiseCompletions promises;

  WaitResolver(RunStore store, TimerStore timers, Outputs outputs, RunDispatcher dispatcher, ApprovalGuard guard) {
    this.store = store;
    this.timers = timers;
    this.outputs = outputs;
    this.dispatcher = dispatcher;
    this.guard = guard;
    this.promises = new PromiseCompletions(store, outputs);
  }

  /** A wait entry was journaled: an approval wait publishes its request, signed. */
  void onWaitRegistered(RunState state, JournalEntry wait) {
    if (wait.getKind() != EntryKind.APPROVAL_WAIT) {
      return;
    }
    ApprovalRequest request = PayloadCodec.decode(wait.getValue(), ApprovalRequest.class);
    request.setToken(guard.issue(state.getRunId(), request.getApprovalName(), request.getDeadline()));
    outputs.approvalRequest(request);
    outputs.audit(state, AuditEventType.APPROVAL_REQUESTED, request.getApprovalName(), 0, state.getGeneration(),
        request.getSubject() + (request.getDeadline() == 0 ? " (no deadline)" : " (deadline " + java.time.Instant.ofEpochMilli(request.getDeadline()) + ")"));
  }

  /** The run just started waiting for an approval or event: use what arrived before. */
  void onWaiting(RunState state) {
    String name = state.getWaitName();
    if (store.entry(state.getRunId(), name) != null) {
      wakeNow(state); // resolved while the execution was still running
      return;
    }
    if ("APPROVAL".equals(state.getWaitKind())) {
      JournalEntry buffered = store.entry(state.getRunId(), DECISION_PREFIX + name);
      if (buffered != null) {
        store.delete(state.getRunId(), DECISION_PREFIX + name);
        ApprovalDecision decision = PayloadCodec.decode(buffered.getValue(), ApprovalDecision.class);
        Approver who;
        try {
          who = guard.approver(decision, state.getRunId(), buffered.getRecordedAt()); // as of its arrival
        } catch (DecisionRefused refused) {
          reject(storedRecord(state.getRunId(), decision), state, name, refused.code(), refused.getMessage());
          return;
        }
        if (accept(state, decision, who, null)) {
          wakeNow(state);
        }
      }
    } else if ("SIGNAL".equals(state.getWaitKind())) {
      // events stored after this execution took its journal snapshot have not been looked at yet
      boolean unseen =
          store.entriesStartingWith(state.getRunId(), SIGNAL_PREFIX + name + ":").stream()
              .anyMatch(e -> e.getGeneration() >= state.getGeneration());
      if (unseen) {
        wakeNow(state);
      }
    } else if ("PROMISE".equals(state.getWaitKind()) && promises.isSettled(state.getRunId(), name)) {
      wakeNow(state); // settled while the execution was still running
    }
  }

  /** The deadline of an approval or event wait passed while the run was waiting. */
  void onDeadline(RunState state, long dueAt) {
    String name = state.getWaitName();
    if ("PROMISE".equals(state.getWaitKind())) {
      Long moved = movedDeadline(state.getRunId(), name, dueAt);
      if (moved != null) { // a task's heartbeat moved it after the execution parked with the old one
        state.setWakeAt(moved);
        timers.schedule(moved, state.getRunId());
        store.save(state);
        return;
      }
      promises.timeOut(state, name);
      dispatcher.wake(state, dueAt);
      return;
    }
    boolean approval = "APPROVAL".equals(state.getWaitKind());
    Object timedOut =
        approval
            ? ApprovalDecision.newBuilder().setRunId(state.getRunId()).setApprovalName(name).setApproved(false)
                .setApprover("").setTimedOut(true).setDecidedAt(outputs.now()).build()
            : Signal.newBuilder().setRunId(state.getRunId()).setName(name).setTimedOut(true).setSentAt(outputs.now()).build();
    if (store.recordInOrderAndSave(state, resolution(state, name, approval ? EntryKind.APPROVAL : EntryKind.SIGNAL, timedOut))) {
      if (approval) {
        publishResolution(state, name, "TIMED_OUT");
      }
      outputs.audit(state, approval ? AuditEventType.APPROVAL_TIMED_OUT : AuditEventType.WAIT_TIMED_OUT, name, 0,
          state.getGeneration(), "no " + (approval ? "valid decision" : "matching event") + " before the deadline");
    }
    dispatcher.wake(state, dueAt);
  }

  void onDecision(Record<String, byte[]> record, RunState state, ApprovalDecision decision) {
    String runId = state.getRunId();
    String name = decision.getApprovalName();
    Approver who;
    try {
      guard.checkToken(decision, runId, outputs.now());
      who = guard.approver(decision, runId, outputs.now());
    } catch (DecisionRefused refused) {
      reject(record, state, name, refused.code(), refused.getMessage());
      return;
    }
    if (store.entry(runId, name) != null) {
      ignore(state, name, "ALREADY_DECIDED", "approval '" + name + "' of run " + runId + " was already decided; the first decision stands");
      return;
    }
    decision.setRunId(runId);
    if (store.entry(runId, WAIT_PREFIX + name) == null) {
      JournalEntry buffered = entry(state, DECISION_PREFIX + name, EntryKind.DECISION, decision);
      if (store.recordInOrderAndSave(state, buffered)) {
        outputs.audit(state, AuditEventType.DECISION_BUFFERED, name, 0, state.getGeneration(),
            "stored until the run reaches approval '" + name + "'");
      } else {
        ignore(state, name, "DUPLICATE_DECISION", "a decision for approval '" + name + "' of run " + runId + " is already stored; the first stands");
      }
      return;
    }
    if (accept(state, decision, who, record) && isWaitingFor(state, name)) {
      wakeNow(state);
    }
  }

  void onSignal(Record<String, byte[]> record, RunState state, Signal signal, String signalId) {
    String runId = state.getRunId();
    String name = signal.getName();
    signal.setRunId(runId);
    if (store.entry(runId, name) != null) {
      outputs.audit(state, AuditEventType.SIGNAL_IGNORED, name, 0, state.getGeneration(),
          "event " + signalId + " arrived after the wait for '" + name + "' was resolved; ignored");
      return;
    }
    JournalEntry stored = entry(state, SIGNAL_PREFIX + name + ":" + signalId, EntryKind.SIGNAL, signal);
    if (!store.recordInOrderAndSave(state, stored)) {
      outputs.audit(state, AuditEventType.SIGNAL_IGNORED, name, 0, state.getGeneration(), "duplicate of event " + signalId + "; ignored");
      return;
    }
    outputs.audit(state, AuditEventType.SIGNAL_RECEIVED, name, 0, state.getGeneration(), "event " + signalId);
    if (store.entry(runId, name) == null && isWaitingFor(state, name)) {
      wakeNow(state); // the execution decides whether it matches
    }
  }

  /**
   * A worker's heartbeat for a remote task attempt (ADR 0024): pushes the attempt's deadline to
   * {@code min(deadline, now + heartbeatTimeout)}. The wait entry holds the deadline, so a replay
   * parks until the same moment; a timer of the older deadline finds it moved ({@link #onDeadline}).
   */
  void onTaskHeartbeat(RunState state, Signal heartbeat) {
    String name = heartbeat.getName();
    String runId = state.getRunId();
    if (promises.isSettled(runId, name)) {
      outputs.audit(state, AuditEventType.SIGNAL_IGNORED, name, 0, state.getGeneration(),
          "heartbeat for task attempt '" + name + "', which is already settled (completed, failed or timed out); the worker may stop");
      return;
    }
    JournalEntry wait = store.entry(runId, io.stepstream.internal.executor.TaskRecords.WAIT_PREFIX + name);
    io.stepstream.internal.executor.TaskRecords.Wait task = io.stepstream.internal.executor.TaskRecords.waitOf(wait);
    if (task == null) {
      outputs.audit(state, AuditEventType.SIGNAL_IGNORED, name, 0, state.getGeneration(),
          "heartbeat for '" + name + "', which is not a task attempt run " + runId + " has dispatched; ignored");
      return;
    }
    Long extended = task.extendedAt(outputs.now());
    if (extended == null || (wait.getDueAt() != null && extended <= wait.getDueAt())) {
      return; // no heartbeats asked for, or the deadline cannot move further
    }
    wait.setDueAt(extended);
    store.overwrite(wait);
    if (isWaitingFor(state, name) && "PROMISE".equals(state.getWaitKind())) {
      state.setWakeAt(extended);
      timers.schedule(extended, runId); // the old timer finds wakeAt changed and is dropped
      store.save(state);
    }
    outputs.audit(state, AuditEventType.HEARTBEAT, task.step(), task.attempt(), state.getGeneration(),
        "task attempt " + task.attempt() + " alive; deadline now " + java.time.Instant.ofEpochMilli(extended));
  }

  /** The deadline a heartbeat set for this promise's wait, if later than the one that fired. */
  private Long movedDeadline(String runId, String name, long firedDueAt) {
    JournalEntry wait = store.entry(runId, io.stepstream.internal.executor.TaskRecords.WAIT_PREFIX + name);
    return wait != null && wait.getDueAt() != null && wait.getDueAt() > firedDueAt ? wait.getDueAt() : null;
  }

  /** The first completion of a durable promise settles it; the run wakes if it waits for it. */
  void onPromiseCompletion(RunState state, Signal completion) {
    if (promises.settle(state, completion) && isWaitingFor(state, completion.getName()) && "PROMISE".equals(state.getWaitKind())) {
      wakeNow(state);
    }
  }

  /**
   * A finished run never asks again: decisions stored for it are rejected with that reason, and
   * events it never waited for are recorded as ignored.
   */
  void onRunFinished(RunState state) {
    for (JournalEntry wait : store.entriesStartingWith(state.getRunId(), WAIT_PREFIX)) {
      String name = wait.getName().substring(WAIT_PREFIX.length());
      if (wait.getKind() == EntryKind.APPROVAL_WAIT && store.entry(state.getRunId(), name) == null) {
        publishResolution(state, name, state.getStatus().name()); // e.g. cancelled while an approver was still asked
      }
    }
    for (JournalEntry stored : store.entriesStartingWith(state.getRunId(), SIGNAL_PREFIX)) {
      String rest = stored.getName().substring(SIGNAL_PREFIX.length());
      String name = rest.substring(0, rest.lastIndexOf(':') < 0 ? rest.length() : rest.indexOf(':'));
      if (store.entry(state.getRunId(), WAIT_PREFIX + name) == null) {
        outputs.audit(state, AuditEventType.SIGNAL_IGNORED, name, 0, state.getGeneration(),
            "run " + state.getRunId() + " ended " + state.getStatus() + " without awaiting event '" + name + "'");
      }
    }
    for (JournalEntry leftover : store.entriesStartingWith(state.getRunId(), DECISION_PREFIX)) {
      String name = leftover.getName().substring(DECISION_PREFIX.length());
      store.delete(state.getRunId(), leftover.getName());
      ApprovalDecision d = PayloadCodec.decode(leftover.getValue(), ApprovalDecision.class);
      reject(storedRecord(state.getRunId(), d), state, name, "UNKNOWN_APPROVAL",
          "run " + state.getRunId() + " ended " + state.getStatus() + " without asking for approval '" + name + "'");
    }
  }

  /**
   * Records the decision as the approval's resolution if {@code who} may decide it. The workflow
   * sees {@code who}: with identity verification, the verified user and groups, and the identity
   * token itself is not journaled.
   */
  private boolean accept(RunState state, ApprovalDecision decision, Approver who, Record<String, byte[]> record) {
    String name = decision.getApprovalName();
    ApprovalRequest asked = PayloadCodec.decode(store.entry(state.getRunId(), WAIT_PREFIX + name).getValue(), ApprovalRequest.class);
    if (!allowed(asked, who)) {
      reject(record != null ? record : storedRecord(state.getRunId(), decision), state, name, "APPROVER_NOT_ALLOWED",
          who + (who.verified() ? " with groups " + who.groups() : "") + " may not decide approval '" + name + "' of run "
              + state.getRunId() + " (allowed approvers " + asked.getAllowedApprovers() + ", groups " + asked.getAllowedGroups()
              + "); one of those approvers, or a member of one of those groups, must decide");
      return false;
    }
    decision.setApprover(who.name());
    decision.setApproverGroups(who.groups());
    decision.setIdentityToken(null);
    store.recordInOrderAndSave(state, resolution(state, name, EntryKind.APPROVAL, decision));
    publishResolution(state, name, decision.getApproved() ? "APPROVED" : "REJECTED");
    outputs.audit(state, AuditEventType.APPROVAL_DECIDED, name, 0, state.getGeneration(),
        (decision.getApproved() ? "approved" : "rejected") + " by " + who.name() + (who.verified() ? " (identity verified)" : "")
            + (decision.getComment() == null ? "" : ": " + decision.getComment()));
    return true;
  }

  /**
   * Writes the approval request again with its resolution, so a reader of the approval-requests
   * topic alone knows it is no longer pending (the latest record per run and approval name wins).
   * The token is left empty: it can no longer decide anything.
   */
  private void publishResolution(RunState state, String name, String resolution) {
    JournalEntry wait = store.entry(state.getRunId(), WAIT_PREFIX + name);
    if (wait == null) {
      return;
    }
    ApprovalRequest resolved = PayloadCodec.decode(wait.getValue(), ApprovalRequest.class);
    resolved.setToken("");
    resolved.setResolution(resolution);
    outputs.approvalRequest(resolved);
  }

  private static boolean allowed(ApprovalRequest asked, Approver who) {
    if (asked.getAllowedApprovers().isEmpty() && asked.getAllowedGroups().isEmpty()) {
      return true;
    }
    Set<String> groups = new HashSet<>(who.groups());
    groups.retainAll(asked.getAllowedGroups());
    return asked.getAllowedApprovers().contains(who.name()) || !groups.isEmpty();
  }

  private boolean isWaitingFor(RunState state, String name) {
    return state.getStatus() == RunStatus.WAITING && name.equals(state.getWaitName());
  }

  private void wakeNow(RunState state) {
    if (state.getWakeAt() != null) {
      timers.cancel(state.getWakeAt(), state.getRunId());
    }
    dispatcher.dispatch(state);
  }

  /**
   * A decision that is merely too late or twice: audited with its reason, not dead-lettered (ADR
   * 0016: the DLQ holds only records someone must fix).
   */
  private void ignore(RunState state, String name, String reason, String why) {
    outputs.audit(state, AuditEventType.DECISION_IGNORED, name, 0, 0, reason + ": " + why);
  }

  private void reject(Record<String, byte[]> record, RunState state, String name, String code, String why) {
    outputs.audit(state, AuditEventType.DECISION_REJECTED, name, 0, 0, why);
    outputs.deadLetter(record, state.getRunId(), code, why);
  }

  private Record<String, byte[]> storedRecord(String runId, ApprovalDecision decision) {
    return new Record<>(runId, Envelopes.encode(decision), outputs.now());
  }

  private JournalEntry resolution(RunState state, String name, EntryKind kind, Object value) {
    return entry(state, name, kind, value);
  }

  private JournalEntry entry(RunState state, String name, EntryKind kind, Object value) {
    return JournalEntry.newBuilder()
        .setRunId(state.getRunId())
        .setName(name)
        .setKind(kind)
        .setSucceeded(true)
        .setValue(PayloadCodec.encode(value))
        .setGeneration(state.getGeneration())
        .setRecordedAt(outputs.now())
        .build();
  }
}
