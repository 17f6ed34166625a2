package io.stepstream.client;

import java.time.Duration;
import java.time.Instant;

/**
 * One entry of a run's journal.
 *
 * <pre>{@code
 * history.entries().stream().filter(e -> e.kind().equals("STEP")).forEach(e -> System.out.println(e.name() + ": " + e.value().text()));
 * }</pre>
 *
 * @param name the step name, or a generated one ({@code $wait:ship}, {@code reserve@1}, {@code $result})
 * @param kind STEP, STEP_ATTEMPT, SLEEP, APPROVAL_WAIT, APPROVAL, SIGNAL_WAIT, SIGNAL, DECISION, EMIT,
 *     CHILD_START, CHILD_RESULT, PROMISE, VERSION, CHOICE, NOW, RANDOM_UUID, RESULT, ...
 * @param attempt the attempt it records
 * @param startedAt when the attempt started (steps), or null
 * @param duration recordedAt - startedAt when both are known, or null
 * @param dueAt a sleep's end or the next attempt of a failed one, or null
 * @param value what was recorded, or null
 * @param error a failure, or null
 * @param usage STEP and STEP_ATTEMPT entries: what that attempt reported ({@code StepContext.reportUsage}); null if nothing
 */
public record HistoryEntry(
    String name,
    String kind,
    boolean succeeded,
    int attempt,
    Instant startedAt,
    Instant recordedAt,
    Duration duration,
    Instant dueAt,
    PayloadView value,
    RunError error,
    io.stepstream.Usage usage) {

  /** An entry without usage: the constructor of releases before usage reporting. */
  public HistoryEntry(
      String name,
      String kind,
      boolean succeeded,
      int attempt,
      Instant startedAt,
      Instant recordedAt,
      Duration duration,
      Instant dueAt,
      PayloadView value,
      RunError error) {
    this(name, kind, succeeded, attempt, startedAt, recordedAt, duration, dueAt, value, error, null);
  }
}
