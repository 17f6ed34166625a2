package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.executor.Execution;
import io.stepstream.internal.executor.ExecutionListener;
import io.stepstream.internal.executor.ExecutionRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Starts executions for one task and tracks which are live. Each dispatch gives the run a new
 * execution id ({@link ExecutionIds}, never reused, also after a crash) and saves it before the
 * execution starts; that fences every other execution: their outcomes, if any still arrive, are stale
 * and ignored. The generation is bumped too, but only as a readable dispatch number.
 *
 * <p>Runs on the stream thread, except {@link #onExecutionEnded}, which executor threads call.
 */
final class RunDispatcher implements ExecutionListener {
  static final String REDISPATCH_LIMIT = "REDISPATCH_LIMIT";
  static final String REDISPATCH_WAIT = "REDISPATCH";
  private final ExecutionLauncher launcher;
  private final RunStore store;
  private final Outputs outputs;
  private final EngineMetrics metrics;
  private final TimerStore timers;
  private final int maxRedispatches;
  private final Map<String, Execution> live = new ConcurrentHashMap<>();
  private final Queue<Execution> needRedispatch = new ConcurrentLinkedQueue<>();
  private final Map<String, Watched> finishedHere = new ConcurrentHashMap<>();
  /** Runs this task dispatched itself before its resume scan: they need no resuming. */
  private Set<String> dispatchedBeforeResumeScan = new HashSet<>();
  private volatile boolean closed;

  RunDispatcher(ExecutionLauncher launcher, RunStore store, TimerStore timers, Outputs outputs, EngineMetrics metrics, int maxRedispatches) {
    this.timers = timers;
    this.maxRedispatches = maxRedispatches;
    this.launcher = launcher;
    this.store = store;
    this.outputs = outputs;
    this.metrics = metrics;
  }

  void dispatch(RunState state) {
    dispatch(state, null, true);
  }

  /**
   * A new run's first dispatch, with the input it was started with: its journal holds nothing else
   * unless inputs arrived before its request, so it is read only then.
   */
  void dispatchFirst(RunState state, io.stepstream.avro.Payload input, boolean hasEarlyInputs) {
    dispatch(state, input, hasEarlyInputs);
  }

  /** {@code readJournal} false: a new run without early inputs, whose input is {@code firstInput}. */
  private void dispatch(RunState state, io.stepstream.avro.Payload firstInput, boolean readJournal) {
    Execution previous = live.remove(state.getRunId());
    if (previous != null) {
      previous.cancel();
    }
    if (launcher.registry().find(state.getWorkflowType()).isEmpty()) {
      park(state, "UNKNOWN_WORKFLOW_TYPE", "workflow type '" + state.getWorkflowType() + "' of run " + state.getRunId()
          + " is not registered on this engine (registered: " + String.join(", ", launcher.registry().types())
          + "); deploy it, then `stepstream resume " + state.getRunId() + "` (or restart the engine)");
      return;
    }
    Map<String, io.stepstream.avro.JournalEntry> journal =
        readJournal ? store.journalOf(state.getRunId()) : new java.util.HashMap<>();
    // the $input entry (or, for a run stored by an older release, the header's copy)
    io.stepstream.avro.Payload input = RunInputs.take(state, journal);
    if (input == null) {
      input = firstInput;
    }
    if (state.getInput() != null) {
      // a run stored by an older release: its input moves to the journal once, so the header saved
      // below (and at every later transition) no longer carries it
      store.recordIfAbsent(RunInputs.entry(state.getRunId(), state.getInput(), outputs.now()));
      state.setInput(null);
    }
    state.setGeneration(state.getGeneration() + 1);
    state.setExecutionId(ExecutionIds.next());
    state.setStatus(RunStatus.RUNNING);
    state.setUpdatedAt(outputs.now());
    state.setWakeAt(null);
    state.setWaitingFor(null);
    state.setWaitKind(null);
    state.setWaitName(null);
    state.setParkedReason(null);
    store.save(state);
    ExecutionRequest request =
        new ExecutionRequest(
            state.getRunId(),
            state.getWorkflowType(),
            state.getGeneration(),
            state.getExecutionId(),
            input,
            journal,
            state.getCancelRequested(),
            state.getCancelReason(),
            state.getTraceHeaders());
    if (dispatchedBeforeResumeScan != null) {
      dispatchedBeforeResumeScan.add(state.getRunId());
    }
    Execution execution = launcher.prepare(request, this);
    live.put(state.getRunId(), execution);
    try {
      launcher.start(execution);
    } catch (RuntimeException e) {
      // the generation is saved; without this the run would wait forever for an execution that never ran
      live.remove(state.getRunId(), execution);
      needRedispatch.add(execution);
      throw e;
    }
  }

  /** Stops the run's live execution, if any (terminate): the caller fences it with a new execution id. */
  void stop(String runId) {
    Execution previous = live.remove(runId);
    if (previous != null) {
      previous.cancel();
    }
    finishedHere.remove(runId);
  }

  boolean isLive(String runId) {
    return live.containsKey(runId);
  }

  /** After a restart or rebalance: runs left mid-way (or parked) are started again from their journal. */
  void resumeUnfinishedRuns() {
    Set<String> startedHere = dispatchedBeforeResumeScan;
    dispatchedBeforeResumeScan = null;
    List<RunState> toResume = new ArrayList<>();
    store.forEachRun(
        state -> {
          boolean unfinished = state.getStatus() == RunStatus.RUNNING || (state.getStatus() == RunStatus.PARKED && !parkedForGood(state));
          if (unfinished && !startedHere.contains(state.getRunId()) && launcher.registry().find(state.getWorkflowType()).isPresent()) {
            toResume.add(state);
          }
        });
    // dispatching writes to the store, so not while iterating it
    toResume.forEach(state -> resume(state, "resumed on assignment from " + state.getStatus() + " at generation " + state.getGeneration()));
  }

  /** A waiting run's timer fired: run it again (it replays to where it waited and goes on). */
  void wake(RunState state, long dueAt) {
    outputs.emit(
        outputs.event(state, AuditEventType.TIMER_FIRED)
            .setGeneration(state.getGeneration() + 1)
            .setDetail(state.getWaitingFor())
            .setLateByMs(Math.max(0, outputs.now() - dueAt)));
    dispatch(state);
  }

  /** Executions that could not publish: start them again, under a new generation. */
  void redispatchAbandoned() {
    Execution ended;
    while ((ended = needRedispatch.poll()) != null) {
      RunState state = store.run(ended.runId());
      if (state != null
          && state.getStatus() == RunStatus.RUNNING
          && ended.executionId().equals(state.getExecutionId())
          && !isLive(ended.runId())) {
        resume(state, "previous execution stopped before finishing");
      }
    }
  }

  /**
   * Dispatches a run again whose last execution ended without recording anything. Bounded: each
   * such dispatch in a row waits longer (1 s, 2 s, 4 s, ... at most a minute), and after
   * {@code maxRedispatches} the run is parked, so a poison run (a step that kills its thread, an
   * outcome the broker refuses) never loops.
   */
  private void resume(RunState state, String why) {
    int attempt = state.getRedispatches() + 1;
    state.setRedispatches(attempt);
    if (attempt > maxRedispatches) {
      park(state, REDISPATCH_LIMIT, "run " + state.getRunId() + " was dispatched " + maxRedispatches
          + " times in a row without recording progress (last: " + why + "); see the engine log for the cause,"
          + " fix it, then `stepstream resume " + state.getRunId() + "`");
      return;
    }
    if (attempt > 1) {
      long wakeAt = outputs.now() + Math.min(60_000L, 1000L << Math.min(6, attempt - 2));
      state.setStatus(RunStatus.WAITING);
      state.setWakeAt(wakeAt);
      state.setWaitKind(REDISPATCH_WAIT);
      state.setWaitingFor(Outputs.cut("dispatch " + attempt + " after: " + why));
      state.setUpdatedAt(outputs.now());
      store.save(state);
      timers.schedule(wakeAt, state.getRunId());
      outputs.audit(state, AuditEventType.RUN_REDISPATCH_DELAYED, null, 0, state.getGeneration(),
          "dispatch " + attempt + " of at most " + maxRedispatches + " without progress, at " + java.time.Instant.ofEpochMilli(wakeAt)
              + " (" + why + ")");
      return;
    }
    metrics.resumedRuns.incrementAndGet();
    outputs.audit(state, AuditEventType.RUN_RESUMED, null, 0, state.getGeneration() + 1, why);
    dispatch(state);
  }

  /** A delayed redispatch is due. */
  void redispatchNow(RunState state) {
    metrics.resumedRuns.incrementAndGet();
    outputs.audit(state, AuditEventType.RUN_RESUMED, null, 0, state.getGeneration() + 1, state.getWaitingFor());
    dispatch(state);
  }

  /** Stops a run that cannot go on without a person: no result, an audit event saying why and what to do. */
  void park(RunState state, String code, String why) {
    metrics.runParked(code);
    state.setStatus(RunStatus.PARKED);
    state.setParkedReason(Outputs.cut(code + ": " + why));
    state.setWakeAt(null);
    state.setWaitKind(null);
    state.setWaitName(null);
    state.setWaitingFor(null);
    state.setUpdatedAt(outputs.now());
    store.save(state);
    outputs.audit(state, AuditEventType.RUN_PARKED, null, 0, state.getGeneration(), code + ": " + why);
  }

  /** Parked by the redispatch bound: only an operator's resume starts it again, not a restart. */
  static boolean parkedForGood(RunState state) {
    return state.getParkedReason() != null && state.getParkedReason().startsWith(REDISPATCH_LIMIT);
  }

  /**
   * The watchdog. An execution that finished here has published its completion; if, a while later,
   * its run is still RUNNING under that same execution, the completion was never applied (lost
   * without a trace) and the run is dispatched again. Only finished executions are watched, so this
   * costs nothing per stored run. (Runs left RUNNING by a previous owner are resumed on assignment.)
   *
   * @param now the stream thread's wall clock
   * @param afterMs how long a finished execution's run may stay RUNNING under it
   */
  void redispatchForgotten(long now, long afterMs) {
    List<String> overdue = new ArrayList<>();
    finishedHere.forEach((runId, watched) -> {
      RunState state = store.run(runId);
      if (state == null || state.getStatus() != RunStatus.RUNNING || !watched.executionId().equals(state.getExecutionId())) {
        finishedHere.remove(runId, watched); // its completion was applied, or it was superseded
      } else if (watched.seenAt() == 0) {
        finishedHere.replace(runId, watched, new Watched(watched.executionId(), now));
      } else if (now - watched.seenAt() >= afterMs) {
        overdue.add(runId);
      }
    });
    for (String runId : overdue) {
      Watched watched = finishedHere.remove(runId);
      RunState state = store.run(runId);
      if (watched != null && state != null && !isLive(runId)) {
        resume(state, "watchdog: execution " + watched.executionId() + " finished " + (now - watched.seenAt())
            + " ms ago or more, but its completion was never applied");
      }
    }
  }

  /** The run's completion was applied: its finished execution needs no watching. */
  void completionApplied(String runId) {
    if (!finishedHere.isEmpty()) {
      finishedHere.remove(runId);
    }
  }

  /** An execution that finished here, and when the watchdog first saw its run still RUNNING (0: not yet). */
  private record Watched(String executionId, long seenAt) {}

  @Override
  public void onExecutionEnded(Execution execution, boolean finished) {
    live.remove(execution.runId(), execution);
    if (closed) {
      return;
    }
    if (finished) {
      finishedHere.put(execution.runId(), new Watched(execution.executionId(), 0));
    } else {
      needRedispatch.add(execution);
    }
  }

  /** Partition revoked or engine closing: stop every execution of this task. */
  void cancelAll() {
    closed = true;
    live.values().forEach(Execution::cancel);
    live.clear();
  }
}
