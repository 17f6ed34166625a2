package io.stepstream.internal.engine;

import io.stepstream.internal.executor.ExecutionPool;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Liveness and readiness of one engine instance, asked from the HTTP and JMX threads while the
 * engine starts, runs and stops.
 *
 * <ul>
 *   <li><b>Live</b>: the instance can still recover by itself. Not live once Kafka Streams failed
 *       or stopped ({@code ERROR}, {@code PENDING_ERROR}, {@code NOT_RUNNING}, {@code
 *       PENDING_SHUTDOWN}) or the executor pool is shut down: a supervisor should restart it.
 *       Starting counts as live (restoring large stores can take long).
 *   <li><b>Ready</b>: {@code start()} has returned and Kafka Streams is {@code RUNNING}: every task
 *       assigned here runs, its stores restored. Not ready while it rebalances.
 * </ul>
 */
public final class EngineHealth {
  private volatile KafkaStreams streams;
  private volatile ExecutionPool pool;
  private volatile boolean started;
  private volatile String phase = "not started";
  private volatile String lastThreadFailure;

  /** What start() is doing now (said by probes until it returns). */
  public void phase(String what) {
    this.phase = what;
  }

  public void pool(ExecutionPool pool) {
    this.pool = pool;
  }

  public void streams(KafkaStreams streams) {
    this.streams = streams;
  }

  public void started() {
    started = true;
    phase = "started";
  }

  public void closing() {
    started = false;
    phase = "closing";
  }

  /** A stream thread died after start (it is replaced); kept for the liveness reason. */
  public void threadFailed(String reason) {
    lastThreadFailure = reason;
  }

  public Health liveness() {
    ExecutionPool p = pool;
    if (p != null && p.isShutdown()) {
      return Health.down("CLOSED", "the executor pool is shut down: this instance runs no workflow code");
    }
    KafkaStreams s = streams;
    if (s == null) {
      return Health.up("STARTING", phase);
    }
    KafkaStreams.State state = s.state();
    return switch (state) {
      case ERROR, PENDING_ERROR, NOT_RUNNING, PENDING_SHUTDOWN -> Health.down(state.name(), "Kafka Streams is " + state
          + (lastThreadFailure == null ? "" : "; last stream thread failure: " + lastThreadFailure)
          + "; restart the instance (its runs move to the other instances meanwhile)");
      default -> Health.up(state.name(), started ? "processing" : phase);
    };
  }

  public Health readiness() {
    KafkaStreams s = streams;
    KafkaStreams.State state = s == null ? null : s.state();
    if (!started) {
      return Health.down(state == null ? "STARTING" : state.name(), "start() has not completed: " + phase);
    }
    if (state != KafkaStreams.State.RUNNING) {
      return Health.down(String.valueOf(state), "Kafka Streams is " + state
          + (state == KafkaStreams.State.REBALANCING ? ": partitions are being assigned or their state restored" : ""));
    }
    return Health.up(state.name(), "all tasks running");
  }
}
