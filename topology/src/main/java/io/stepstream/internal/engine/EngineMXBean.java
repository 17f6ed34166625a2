package io.stepstream.internal.engine;

import java.util.Map;

/**
 * The engine's counters over JMX, as {@code io.stepstream:type=Engine,name=<applicationId>}: the
 * same numbers /metrics exports (docs/operations.md, "Metrics and health"). Kafka's own client and
 * Streams metrics are in JMX already ({@code kafka.streams:*}, {@code kafka.producer:*}, ...).
 * Registered when {@code Stepstream.Builder.jmx(true)} (the CLI does), unregistered on close.
 */
public interface EngineMXBean {
  long getRunsStarted();

  long getRunsFinished();

  /** COMPLETED, FAILED, CANCELLED, TERMINATED -> runs that ended so. */
  Map<String, Long> getRunsFinishedByStatus();

  Map<String, Long> getRunsParkedByReason();

  long getDuplicateRequests();

  long getDuplicateOutcomes();

  long getStaleOutcomes();

  long getDeadLetters();

  /** error type -> records this instance sent to the DLQ. */
  Map<String, Long> getDeadLettersByReason();

  long getResumedRuns();

  long getReroutedRecords();

  long getTimersFired();

  /** Executions waiting for an executor thread. */
  int getExecutionsQueued();

  /** Executions running workflow code now. */
  int getExecutionsActive();

  /** Kafka Streams' state, or the engine's phase before it has one (STARTING). */
  String getState();

  boolean isLive();

  boolean isReady();
}
