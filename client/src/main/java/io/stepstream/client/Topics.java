package io.stepstream.client;

import java.util.List;

/**
 * The topic names of one Stepstream deployment, all derived from a prefix (default {@code
 * stepstream}). Every topic is keyed by run id and has the same number of partitions, so a run's
 * request, outcomes and results meet on one task.
 *
 * <pre>{@code
 * Topics topics = Topics.withPrefix("stepstream");
 * producer.send(new ProducerRecord<>(topics.requests(), runId, json));
 * }</pre>
 */
public record Topics(String prefix) {
  public static final String DEFAULT_PREFIX = "stepstream";

  public static Topics withPrefix(String prefix) {
    return new Topics(prefix);
  }

  /** Users write requests to start runs (Avro {@code WorkflowRequest} or JSON). */
  public String requests() {
    return prefix + ".requests";
  }

  /** The engine writes one {@code WorkflowResult} per run, inside its EOS transaction. */
  public String results() {
    return prefix + ".results";
  }

  /** Audit trail: every state transition of every run ({@code AuditEvent}). */
  public String events() {
    return prefix + ".events";
  }

  /** Internal: executors write {@code StepOutcome}s here (idempotent, non-transactional). */
  public String stepOutcomes() {
    return prefix + ".step-outcomes";
  }

  /** Input the engine could not accept, with {@code stepstream.error.*} headers. */
  public String deadLetters() {
    return prefix + ".dlq";
  }

  /** Humans (CLI, console, any producer) write approval decisions here. */
  public String approvals() {
    return prefix + ".approvals";
  }

  /** The engine writes what a human is asked to decide, with a signed token, inside its EOS transaction. */
  public String approvalRequests() {
    return prefix + ".approval-requests";
  }

  /** External events for runs waiting in {@code awaitEvent}. */
  public String signals() {
    return prefix + ".signals";
  }

  /** Internal (flow control, ADR 0019): permit requests, releases and usage, keyed by limiter name (or {@code $budget:<key>}). */
  public String limits() {
    return prefix + ".limits";
  }

  /** Internal (flow control, ADR 0019): the limiters' answers, keyed by run id, on the run's home partition. */
  public String limitGrants() {
    return prefix + ".limit-grants";
  }

  public List<String> all() {
    return List.of(requests(), results(), events(), stepOutcomes(), deadLetters(), approvals(), approvalRequests(), signals(),
        limits(), limitGrants());
  }
}
