package io.stepstream.testkit;

import io.stepstream.avro.AuditEvent;
import java.time.Instant;

/**
 * One audit event of a run, as written to the engine's events topic.
 *
 * <pre>{@code
 * assertThat(env.events(runId)).extracting(AuditRecord::type).contains("RETRY_SCHEDULED", "RUN_COMPLETED");
 * }</pre>
 *
 * @param type the event type, e.g. {@code RUN_STARTED}, {@code STEP_COMPLETED}, {@code APPROVAL_REQUESTED}, {@code RUN_COMPLETED}
 * @param step the step (or wait) it concerns, or null
 * @param attempt the step attempt, or 0
 * @param detail free text (an error message, a reason), or null
 * @param timestamp when it happened (virtual time)
 */
public record AuditRecord(String runId, String type, String step, int attempt, String detail, Instant timestamp) {
  static AuditRecord of(AuditEvent e) {
    return new AuditRecord(e.getRunId(), e.getType().name(), e.getStep(), e.getAttempt(), e.getDetail(),
        Instant.ofEpochMilli(e.getTimestamp()));
  }
}
