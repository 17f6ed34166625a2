package io.stepstream.internal.engine;

import io.stepstream.internal.executor.ExecutionPool;
import io.stepstream.internal.orchestrator.EngineMetrics;
import java.util.Map;
import java.util.function.Supplier;

/** {@link EngineMXBean} over the engine's counters, its executor pool and its health checks. */
public final class EngineStatus implements EngineMXBean {
  private final EngineMetrics metrics;
  private final Supplier<ExecutionPool> pool;
  private final Supplier<Health> live;
  private final Supplier<Health> ready;

  public EngineStatus(EngineMetrics metrics, Supplier<ExecutionPool> pool, Supplier<Health> live, Supplier<Health> ready) {
    this.metrics = metrics;
    this.pool = pool;
    this.live = live;
    this.ready = ready;
  }

  @Override
  public long getRunsStarted() {
    return metrics.runsStarted.get();
  }

  @Override
  public long getRunsFinished() {
    return metrics.runsFinished.get();
  }

  @Override
  public Map<String, Long> getRunsFinishedByStatus() {
    return metrics.runsFinishedByStatus();
  }

  @Override
  public Map<String, Long> getRunsParkedByReason() {
    return metrics.runsParkedByReason();
  }

  @Override
  public long getDuplicateRequests() {
    return metrics.duplicateRequests.get();
  }

  @Override
  public long getDuplicateOutcomes() {
    return metrics.duplicateOutcomes.get();
  }

  @Override
  public long getStaleOutcomes() {
    return metrics.staleOutcomes.get();
  }

  @Override
  public long getDeadLetters() {
    return metrics.deadLetters.get();
  }

  @Override
  public Map<String, Long> getDeadLettersByReason() {
    return metrics.deadLettersByReason();
  }

  @Override
  public long getResumedRuns() {
    return metrics.resumedRuns.get();
  }

  @Override
  public long getReroutedRecords() {
    return metrics.rerouted.get();
  }

  @Override
  public long getTimersFired() {
    return metrics.timersFired.get();
  }

  @Override
  public int getExecutionsQueued() {
    ExecutionPool p = pool.get();
    return p == null ? 0 : p.queued();
  }

  @Override
  public int getExecutionsActive() {
    ExecutionPool p = pool.get();
    return p == null ? 0 : p.active();
  }

  @Override
  public String getState() {
    return live.get().state();
  }

  @Override
  public boolean isLive() {
    return live.get().up();
  }

  @Override
  public boolean isReady() {
    return ready.get().up();
  }
}
