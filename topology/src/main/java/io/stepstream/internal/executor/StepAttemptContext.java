package io.stepstream.internal.executor;

import io.stepstream.StepContext;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The {@link StepContext} of one attempt: identity, heartbeats, the last journaled heartbeat, and
 * the records it emits (journaled with the attempt's success, dropped with its failure).
 */
final class StepAttemptContext implements StepContext {
  /** Journal heartbeats at most this often; the timeout itself is checked on every call. */
  static final long HEARTBEAT_JOURNAL_INTERVAL_MS = 1_000;

  private final String runId;
  private final String stepName;
  private final int attempt;
  private final Clock clock;
  private final Consumer<Payload> journalHeartbeat;
  private volatile long lastBeatAt;
  private static final long NEVER = -1;
  private volatile long lastJournaledAt = NEVER;
  private volatile Payload lastDetails;
  private final EmitTopics emitTopics;
  /** Guarded by itself; null once the attempt ended (a body still running after a timeout emits nothing more). */
  private java.util.List<io.stepstream.avro.EmittedRecord> emitted = new java.util.ArrayList<>();

  StepAttemptContext(String runId, String stepName, int attempt, Clock clock, JournalEntry previousHeartbeat, Consumer<Payload> journalHeartbeat) {
    this(runId, stepName, attempt, clock, previousHeartbeat, journalHeartbeat, EmitTopics.none());
  }

  StepAttemptContext(
      String runId, String stepName, int attempt, Clock clock, JournalEntry previousHeartbeat, Consumer<Payload> journalHeartbeat,
      EmitTopics emitTopics) {
    this.emitTopics = emitTopics;
    this.runId = runId;
    this.stepName = stepName;
    this.attempt = attempt;
    this.clock = clock;
    this.journalHeartbeat = journalHeartbeat;
    this.lastBeatAt = clock.millis();
    this.lastDetails = previousHeartbeat == null ? null : previousHeartbeat.getValue();
  }

  @Override
  public String runId() {
    return runId;
  }

  @Override
  public String stepName() {
    return stepName;
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public void heartbeat(Object details) {
    long now = clock.millis();
    lastBeatAt = now;
    if (details == null) {
      return;
    }
    lastDetails = PayloadCodec.encode(details);
    if (lastJournaledAt == NEVER || now - lastJournaledAt >= HEARTBEAT_JOURNAL_INTERVAL_MS) {
      lastJournaledAt = now;
      journalHeartbeat.accept(lastDetails);
    }
  }

  @Override
  public <T> Optional<T> lastHeartbeat(Class<T> type) {
    Payload details = lastDetails;
    return details == null ? Optional.empty() : Optional.ofNullable(PayloadCodec.decode(details, type));
  }

  long lastBeatAt() {
    return lastBeatAt;
  }

  // ---- exactly-once emit ----

  /** Checked and encoded now, so a bad emit fails this attempt; written only with its success. */
  @Override
  public void emit(String topic, String key, Object value, java.util.Map<String, String> headers) {
    emitTopics.check(runId, topic);
    io.stepstream.avro.EmittedRecord record = Emits.record(runId, topic, key, value, headers);
    synchronized (this) {
      if (emitted == null) {
        throw new IllegalStateException("run " + runId + ": step '" + stepName + "' attempt " + attempt
            + " emitted to topic '" + topic + "' after the attempt ended (timed out or returned); the record is dropped");
      }
      emitted.add(record);
    }
  }

  /** What this attempt emitted, in order; the attempt has ended, later emits are refused. */
  synchronized java.util.List<io.stepstream.avro.EmittedRecord> endEmits() {
    java.util.List<io.stepstream.avro.EmittedRecord> all = emitted == null ? java.util.List.of() : emitted;
    emitted = null;
    return all;
  }

  /** Guarded by this; what the attempt reported so far. */
  private io.stepstream.Usage usage = io.stepstream.Usage.ZERO;

  @Override
  public synchronized void reportUsage(io.stepstream.Usage reported) {
    if (reported == null) {
      throw new IllegalArgumentException("usage must not be null (report Usage.ZERO for none)");
    }
    usage = usage.plus(reported);
  }

  /** What this attempt reported (the sum of its {@link #reportUsage} calls). */
  synchronized io.stepstream.Usage usage() {
    return usage;
  }

  // ---- durable token streams ----

  /** How long ending a stream waits for the broker, so an attempt's records precede the run's end. */
  static final java.time.Duration STREAM_END_ACK_WAIT = java.time.Duration.ofSeconds(10);

  /** Null: the engine has no stream writer (tests), partial output is dropped. */
  private volatile io.stepstream.internal.streams.AttemptStream stream;

  void streamTo(io.stepstream.internal.streams.AttemptStream stream) {
    this.stream = stream;
  }

  @Override
  public void publishPartial(String text) {
    io.stepstream.internal.streams.AttemptStream s = stream;
    if (s != null) {
      s.append(text);
    }
  }

  /** Writes the attempt's end marker if it streamed; later {@link #publishPartial} calls are refused. */
  void endStream(boolean succeeded, Throwable failure) {
    io.stepstream.internal.streams.AttemptStream s = stream;
    if (s != null) {
      s.end(succeeded, failure, STREAM_END_ACK_WAIT);
    }
  }
}
