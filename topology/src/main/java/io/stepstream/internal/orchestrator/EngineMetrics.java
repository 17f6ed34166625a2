package io.stepstream.internal.orchestrator;

import java.util.concurrent.atomic.AtomicLong;

/** Counters an operator looks at first. Shared by all tasks of one instance. */
public final class EngineMetrics {
  public final AtomicLong runsStarted = new AtomicLong();
  public final AtomicLong runsFinished = new AtomicLong();
  public final AtomicLong duplicateRequests = new AtomicLong();
  public final AtomicLong duplicateOutcomes = new AtomicLong();
  public final AtomicLong staleOutcomes = new AtomicLong();
  public final AtomicLong deadLetters = new AtomicLong();
  public final AtomicLong resumedRuns = new AtomicLong();
  /** External records moved to their run's home partition (placed by a non-Java partitioner). */
  public final AtomicLong rerouted = new AtomicLong();

  @Override
  public String toString() {
    return "runsStarted=" + runsStarted + " runsFinished=" + runsFinished + " duplicateRequests=" + duplicateRequests
        + " duplicateOutcomes=" + duplicateOutcomes + " staleOutcomes=" + staleOutcomes + " deadLetters=" + deadLetters
        + " resumedRuns=" + resumedRuns + " rerouted=" + rerouted;
  }
}
