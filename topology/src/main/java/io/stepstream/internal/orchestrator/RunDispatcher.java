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
  private final ExecutionLauncher launcher;
  private final RunStore store;
  private final Outputs outputs;
  private final EngineMetrics metrics;
  private final Map<String, Execution> live = new ConcurrentHashMap<>();
  private final Queue<Execution> needRedispatch = new ConcurrentLinkedQueue<>();
  /** Runs this task dispatched itself before its resume scan: they need no resuming. */
  private Set<String> dispatchedBeforeResumeScan = new HashSet<>();
  private volatile boolean closed;

  RunDispatcher(ExecutionLauncher launcher, RunStore store, Outputs outputs, EngineMetrics metrics) {
    this.launcher = launcher;
    this.store = store;
    this.outputs = outputs;
    this.metrics = metrics;
  }

  void dispatch(RunState state) {
    Execution previous = live.remove(state.getRunId());
    if (previous != null) {
      previous.cancel();
    }
    // a run's first dispatch has nothing journaled yet (input for unknown runs is rejected): skip the scan
    Map<String, io.stepstream.avro.JournalEntry> journal =
        state.getGeneration() == 0 ? new java.util.HashMap<>() : store.journalOf(state.getRunId());
    state.setGeneration(state.getGeneration() + 1);
    state.setExecutionId(ExecutionIds.next());
    state.setStatus(RunStatus.RUNNING);
    state.setUpdatedAt(outputs.now());
    state.setWakeAt(null);
    state.setWaitingFor(null);
    state.setWaitKind(null);
    state.setWaitName(null);
    store.save(state);
    ExecutionRequest request =
        new ExecutionRequest(
            state.getRunId(),
            state.getWorkflowType(),
            state.getGeneration(),
            state.getExecutionId(),
            state.getInput(),
            journal,
            state.getCancelRequested(),
            state.getCancelReason());
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
          boolean unfinished = state.getStatus() == RunStatus.RUNNING || state.getStatus() == RunStatus.PARKED;
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
        outputs.event(state.getRunId(), AuditEventType.TIMER_FIRED)
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

  private void resume(RunState state, String why) {
    metrics.resumedRuns.incrementAndGet();
    outputs.audit(state.getRunId(), AuditEventType.RUN_RESUMED, null, 0, state.getGeneration() + 1, why);
    dispatch(state);
  }

  @Override
  public void onExecutionEnded(Execution execution, boolean finished) {
    live.remove(execution.runId(), execution);
    if (!finished && !closed) {
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
