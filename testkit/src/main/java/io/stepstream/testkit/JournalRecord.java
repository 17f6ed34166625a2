package io.stepstream.testkit;

import io.stepstream.EncodedValue;
import io.stepstream.avro.JournalEntry;
import io.stepstream.internal.codec.PayloadValue;
import java.time.Instant;

/**
 * One entry of a run's journal, as a test (or a replay report) sees it: what the engine recorded for
 * a step, an attempt, a sleep, a wait, a decision, an event or a recorded value.
 *
 * <pre>{@code
 * JournalRecord charge = env.journal(runId).stream().filter(e -> e.name().equals("charge")).findFirst().orElseThrow();
 * assertThat(charge.attempt()).isEqualTo(3);
 * assertThat(charge.value(Receipt.class).amount()).isEqualTo(42);
 * }</pre>
 *
 * @param name the entry's name: a step's name, {@code step@n} for its n-th failed attempt, names starting
 *     with {@code $} for entries the engine made up ({@code $wait:review}, {@code $now:1})
 * @param kind what recorded it: {@code STEP}, {@code STEP_ATTEMPT}, {@code SLEEP}, {@code APPROVAL_WAIT},
 *     {@code APPROVAL}, {@code SIGNAL_WAIT}, {@code SIGNAL}, {@code NOW}, {@code RANDOM_UUID}, {@code HEARTBEAT}, ...
 *     (the engine's journal entry kinds; new kinds may be added)
 * @param succeeded false for a failed attempt or a step that failed for good
 * @param attempt the attempt that produced it (1 for entries without attempts)
 * @param value the recorded value ({@link EncodedValue#NONE} if none): {@code value().text()} is its JSON
 * @param errorType the failure's type (exception class or the type a {@code WorkflowFailure} chose), or null
 * @param errorMessage the failure's message, or null
 * @param recordedAt when it was recorded (virtual time in the test environment)
 * @param dueAt when a sleep, retry or wait is due, or null
 */
public record JournalRecord(
    String name,
    String kind,
    boolean succeeded,
    int attempt,
    EncodedValue value,
    String errorType,
    String errorMessage,
    Instant recordedAt,
    Instant dueAt) {

  /** The recorded value decoded as {@code type} (null if nothing was recorded). */
  public <T> T value(Class<T> type) {
    return value.as(type);
  }

  /** The recorded value as text (JSON for records and POJOs). */
  public String valueText() {
    return value.text();
  }

  static JournalRecord of(JournalEntry e) {
    return new JournalRecord(
        e.getName(),
        e.getKind().name(),
        e.getSucceeded(),
        e.getAttempt(),
        PayloadValue.of(e.getValue()),
        e.getError() == null ? null : e.getError().getType(),
        e.getError() == null ? null : e.getError().getMessage(),
        Instant.ofEpochMilli(e.getRecordedAt()),
        e.getDueAt() == null ? null : Instant.ofEpochMilli(e.getDueAt()));
  }

  @Override
  public String toString() {
    return kind + " '" + name + "'" + (succeeded ? " = " + value.text() : " failed (attempt " + attempt + "): " + errorType + ": " + errorMessage);
  }
}
