package io.stepstream.internal.executor;

import io.stepstream.StepContext;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;

/** The {@link StepContext} of one attempt: identity, heartbeats, and the last journaled heartbeat. */
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

  StepAttemptContext(String runId, String stepName, int attempt, Clock clock, JournalEntry previousHeartbeat, Consumer<Payload> journalHeartbeat) {
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
}
