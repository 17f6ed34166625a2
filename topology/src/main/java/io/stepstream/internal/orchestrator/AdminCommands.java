package io.stepstream.internal.orchestrator;

import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;

/**
 * An operator's commands beyond cancel and resume (ADR 0016): terminate a run at once, restart a run
 * from a step, resume every parked run of a task. Each is answered by audit events carrying the
 * command's id and who asked, written in the transaction that applies it.
 *
 * <ul>
 *   <li>terminate: the run ends {@code TERMINATED} whatever it was doing, without compensations;
 *       a live execution is stopped and fenced (a new execution id: its outcomes are stale), a
 *       timer is dropped, children are closed per their policy, the result is written;
 *   <li>restart: journal entries recorded before the step are kept, the step's and later ones are
 *       removed, and the run is dispatched again with the code deployed now (a finished run writes a
 *       new result for the same run id when it ends again);
 *   <li>resume parked: the parked runs of this task are resumed, at most {@link #RESUMES_PER_TICK}
 *       per call of {@link #resumeSomeParked()} so a large backlog does not stall the partition.
 * </ul>
 */
final class AdminCommands {
  static final int RESUMES_PER_TICK = 200;
  /** Error type of a terminated run's result. */
  static final String TERMINATED = "TERMINATED";

  private final RunStore store;
  private final TimerStore timers;
  private final Outputs outputs;
  private final RunDispatcher dispatcher;
  private final WaitResolver waits;
  private final ChildLinks children;
  /** Parked runs a RESUME_PARKED command still has to resume here (lost on a crash: the command is then sent again). */
  private final Queue<PendingResume> pendingResumes = new ArrayDeque<>();

  AdminCommands(RunStore store, TimerStore timers, Outputs outputs, RunDispatcher dispatcher, WaitResolver waits, ChildLinks children) {
    this.store = store;
    this.timers = timers;
    this.outputs = outputs;
    this.dispatcher = dispatcher;
    this.waits = waits;
    this.children = children;
  }

  // ---- terminate --------------------------------------------------------------------------------

  void terminate(String runId, RunState state, RunCommand command) {
    String rejection =
        state == null ? "no run " + runId + " exists; nothing to terminate"
            : RequestHandler.isFinished(state) ? "run " + runId + " already ended " + state.getStatus() + "; nothing to terminate"
            : null;
    if (rejection != null) {
      outputs.emit(outputs.event(runId, AuditEventType.TERMINATE_REJECTED).setDetail(rejection).setCommandId(command.getCommandId()));
      return;
    }
    RunStatus was = state.getStatus();
    outputs.emit(outputs.event(state, AuditEventType.TERMINATE_REQUESTED)
        .setDetail("terminate requested" + by(command) + " while " + was + reason(command))
        .setCommandId(command.getCommandId())
        .setGeneration(state.getGeneration()));
    if (was == RunStatus.WAITING && state.getWakeAt() != null) {
      timers.cancel(state.getWakeAt(), runId);
    }
    // The fence: whatever execution is live (or its outcomes still in flight) is no longer the run's.
    dispatcher.stop(runId);
    state.setExecutionId(ExecutionIds.next());
    state.setGeneration(state.getGeneration() + 1);
    String message = "run " + runId + " was terminated" + by(command) + " while " + was
        + (was == RunStatus.PARKED ? " (" + state.getParkedReason() + ")" : "") + reason(command) + "; no compensations were run";
    state.setStatus(RunStatus.TERMINATED);
    state.setWakeAt(null);
    state.setWaitingFor(null);
    state.setWaitKind(null);
    state.setWaitName(null);
    state.setUpdatedAt(outputs.now());
    store.save(state);
    outputs.emit(outputs.event(state, AuditEventType.RUN_TERMINATED).setDetail(Outputs.cut(message))
        .setCommandId(command.getCommandId()).setGeneration(state.getGeneration()).setUsage(state.getUsage()));
    waits.onRunFinished(state);
    WorkflowResult result = WorkflowResult.newBuilder()
        .setRunId(runId)
        .setWorkflowType(state.getWorkflowType())
        .setStatus(RunStatus.TERMINATED)
        .setError(ErrorInfo.newBuilder().setType(TERMINATED).setMessage(Outputs.cut(message)).build())
        .setStartedAt(state.getCreatedAt())
        .setFinishedAt(outputs.now())
        .setRequestedAt(state.getRequestedAt())
        .setUsage(state.getUsage())
        .build();
    outputs.result(result);
    children.onRunFinished(state, result);
  }

  // ---- restart ----------------------------------------------------------------------------------

  void restart(String runId, RunState state, RunCommand command) {
    String fromStep = command.getFromStep();
    String rejection =
        state == null ? "no run " + runId + " exists; nothing to restart"
            : fromStep == null || fromStep.isBlank() ? "restart of run " + runId + " names no step (fromStep); name the step to run again"
            : state.getStatus() == RunStatus.RUNNING
                ? "run " + runId + " is RUNNING: the step to restart from may be executing right now; restart runs that are waiting,"
                    + " parked or ended (terminate it first if it must stop now)"
            : null;
    if (rejection != null) {
      rejectRestart(runId, command, rejection);
      return;
    }
    Map<String, JournalEntry> journal = store.journalOf(runId);
    Cut cut = cutOf(journal.values(), fromStep);
    if (cut == null) {
      rejectRestart(runId, command, "run " + runId + " has no step '" + fromStep + "' in its journal; its steps are: "
          + (stepNames(journal.values()).isEmpty() ? "(none recorded)" : String.join(", ", stepNames(journal.values()))));
      return;
    }
    RunStatus was = state.getStatus();
    if (was == RunStatus.WAITING && state.getWakeAt() != null) {
      timers.cancel(state.getWakeAt(), runId);
    }
    int removed = 0;
    int deleted = 0;
    for (JournalEntry entry : journal.values()) {
      if (!cut.removes(entry)) {
        continue;
      }
      if (entry.getKind() == EntryKind.APPROVAL_WAIT && !journal.containsKey(entry.getName().substring(WaitResolver.WAIT_PREFIX.length()))) {
        withdrawApprovalRequest(entry); // asked, never answered: not pending any more (the run asks again if it gets there)
      }
      store.delete(runId, entry.getName());
      deleted++;
      if (entry.getKind() != EntryKind.HEARTBEAT) {
        removed++;
      }
    }
    state.setEntryCount(Math.max(0, state.getEntryCount() - removed));
    store.delete(runId, RunStore.RESULT_ENTRY); // the run has no result until it ends again (queries would show the old one)
    state.setCancelRequested(false);
    state.setCancelReason(null);
    state.setRedispatches(0);
    outputs.emit(outputs.event(state, AuditEventType.RESTART_REQUESTED)
        .setStep(fromStep)
        .setDetail(Outputs.cut("restart from step '" + fromStep + "' requested" + by(command) + " while " + was + reason(command)
            + "; " + removed + " journal entries removed (the step and everything recorded after it), "
            + (journal.size() - deleted) + " kept" + (RequestHandler.isFinished(state) ? "; the run will write a new result" : "")))
        .setCommandId(command.getCommandId())
        .setGeneration(state.getGeneration() + 1));
    dispatcher.dispatch(state);
  }

  private void rejectRestart(String runId, RunCommand command, String why) {
    outputs.emit(outputs.event(runId, AuditEventType.RESTART_REJECTED).setStep(command.getFromStep()).setDetail(Outputs.cut(why))
        .setCommandId(command.getCommandId()));
  }

  /**
   * Where the journal is cut. Entries carry the generation that recorded them (dispatches only
   * increase it) and the time they were recorded; within one generation, time orders them. The
   * step's first attempt marks the cut: its generation and the time it started (parallel steps that
   * started earlier and ended after it are removed too, so they run again: more, never less).
   * Kept regardless: inputs stored from outside that the run had not consumed yet ({@code $decision:},
   * {@code $signal:}, {@code $early}), and children (a child is another run, not undone: the
   * restarted run gets the same child's recorded result).
   */
  static Cut cutOf(java.util.Collection<JournalEntry> journal, String step) {
    Comparator<JournalEntry> earliest = Comparator.comparingInt(JournalEntry::getGeneration).thenComparingLong(AdminCommands::startOf)
        .thenComparingLong(JournalEntry::getSequence);
    JournalEntry first = journal.stream().filter(e -> belongsTo(e, step)).min(earliest).orElse(null);
    return first == null ? null : new Cut(step, first.getSequence(), first.getGeneration(), startOf(first));
  }

  private static long startOf(JournalEntry e) {
    return e.getStartedAt() != null ? e.getStartedAt() : e.getRecordedAt();
  }

  /** The entries of a step: its outcome, its failed attempts, its heartbeat details. */
  private static boolean belongsTo(JournalEntry e, String step) {
    return switch (e.getKind()) {
      case STEP -> e.getName().equals(step);
      case STEP_ATTEMPT -> e.getName().startsWith(step + "@") && e.getName().substring(step.length() + 1).chars().allMatch(Character::isDigit);
      default -> false;
    };
  }

  /**
   * {@code sequence}: the step's first entry's recording order (-1 for entries recorded before
   * sequences existed; then generation and time decide, which ties within a millisecond: more is
   * removed, never less).
   */
  record Cut(String step, long sequence, int generation, long at) {
    boolean removes(JournalEntry e) {
      if (belongsTo(e, step) || e.getName().equals("$hb:" + step)) {
        return true;
      }
      if (isKeptInput(e)) {
        return false;
      }
      if (sequence >= 0 && e.getSequence() >= 0) {
        return e.getSequence() > sequence;
      }
      return e.getGeneration() > generation || (e.getGeneration() == generation && e.getRecordedAt() >= at);
    }

    private static boolean isKeptInput(JournalEntry e) {
      String name = e.getName();
      return e.getKind() == EntryKind.EARLY_INPUTS
          || e.getKind() == EntryKind.INPUT // the run's input ($input): the restarted run gets the same one
          || e.getKind() == EntryKind.CHILD_START
          || e.getKind() == EntryKind.CHILD_RESULT
          || (e.getKind() == EntryKind.DECISION && name.startsWith(WaitResolver.DECISION_PREFIX))
          || (e.getKind() == EntryKind.SIGNAL && name.startsWith(WaitResolver.SIGNAL_PREFIX));
    }
  }

  /** Step names in the order they were first recorded (for a rejection that lists them). */
  static List<String> stepNames(java.util.Collection<JournalEntry> journal) {
    List<JournalEntry> sorted = new ArrayList<>(journal);
    sorted.sort(Comparator.comparingInt(JournalEntry::getGeneration).thenComparingLong(JournalEntry::getRecordedAt)
        .thenComparing(JournalEntry::getName));
    Set<String> names = new LinkedHashSet<>();
    for (JournalEntry e : sorted) {
      if (e.getKind() == EntryKind.STEP) {
        names.add(e.getName());
      } else if (e.getKind() == EntryKind.STEP_ATTEMPT && e.getName().lastIndexOf('@') > 0) {
        names.add(e.getName().substring(0, e.getName().lastIndexOf('@')));
      }
    }
    return new ArrayList<>(names);
  }

  private void withdrawApprovalRequest(JournalEntry wait) {
    ApprovalRequest request = PayloadCodec.decode(wait.getValue(), ApprovalRequest.class);
    request.setToken("");
    request.setResolution("RESTARTED");
    outputs.approvalRequest(request);
  }

  // ---- resume parked (bulk) ---------------------------------------------------------------------

  /** One task's share of a RESUME_PARKED command: its parked runs (of the type, if named) are queued. */
  void resumeParked(String key, RunCommand command) {
    String type = command.getWorkflowType();
    List<String> parked = new ArrayList<>();
    store.forEachRun(state -> {
      if (state.getStatus() == RunStatus.PARKED && (type == null || type.equals(state.getWorkflowType()))) {
        parked.add(state.getRunId());
      }
    });
    outputs.emit(outputs.event(key, AuditEventType.RESUME_PARKED_REQUESTED)
        .setWorkflowType(type)
        .setDetail("resume of parked runs" + (type == null ? "" : " of type " + type) + " requested" + by(command)
            + "; " + parked.size() + " parked here" + (parked.size() > RESUMES_PER_TICK ? ", resumed " + RESUMES_PER_TICK + " per tick" : ""))
        .setCommandId(command.getCommandId()));
    parked.forEach(runId -> pendingResumes.add(new PendingResume(runId, command)));
    resumeSomeParked();
  }

  /** Resumes at most {@link #RESUMES_PER_TICK} queued parked runs; called again on every tick. */
  void resumeSomeParked() {
    for (int i = 0; i < RESUMES_PER_TICK && !pendingResumes.isEmpty(); i++) {
      PendingResume next = pendingResumes.poll();
      RunState state = store.run(next.runId());
      if (state == null || state.getStatus() != RunStatus.PARKED) {
        continue; // resumed, cancelled or terminated meanwhile
      }
      outputs.emit(outputs.event(state, AuditEventType.RESUME_REQUESTED)
          .setDetail("resume requested" + by(next.command()) + " (resume of all parked runs"
              + (next.command().getWorkflowType() == null ? "" : " of type " + next.command().getWorkflowType()) + "); was parked: "
              + state.getParkedReason())
          .setCommandId(next.command().getCommandId())
          .setGeneration(state.getGeneration() + 1));
      state.setRedispatches(0);
      dispatcher.dispatch(state);
    }
  }

  private record PendingResume(String runId, RunCommand command) {}

  private static String by(RunCommand command) {
    return command.getRequestedBy() == null ? "" : " by " + command.getRequestedBy();
  }

  private static String reason(RunCommand command) {
    return command.getReason() == null ? "" : ": " + command.getReason();
  }
}
