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

  /**
   * Durable token streams: the partial output steps publish ({@code StepContext.publishPartial}),
   * JSON, keyed by run id, and one {@code run-end} record per finished run (docs/streams.md).
   * Transient: retention 1 day unless the engine says otherwise.
   */
  public String streams() {
    return prefix + ".streams";
  }

  /**
   * Messages for sessions (docs/sessions.md), keyed by the session key: JSON {@code
   * {"sessionType","handler","messageId","payload","policy"}}; the engine also routes turn ends here.
   */
  public String sessions() {
    return prefix + ".sessions";
  }

  /**
   * The claim-check store: chunks of step results and run outputs too large to travel inline
   * (compacted; keys {@code <runId>/<sha256>/<chunk>}). A result's {@code output.claimCheck} says
   * which partition and offsets to read (docs/large-payloads.md). Not in {@link #all()}: it is
   * neither an input nor keyed by run id for partitioning.
   */
  public String payloads() {
    return prefix + ".payloads";
  }

  /** Internal (flow control, ADR 0019): permit requests, releases and usage, keyed by limiter name (or {@code $budget:<key>}). */
  public String limits() {
    return prefix + ".limits";
  }

  /** Internal (flow control, ADR 0019): the limiters' answers, keyed by run id, on the run's home partition. */
  public String limitGrants() {
    return prefix + ".limit-grants";
  }

  /**
   * A task queue's topic ({@code ctx.task(name, queue, ...)}): {@code <prefix>.tasks.<queue>}, where
   * the engine writes task records for external workers (docs/clients.md "Remote tasks").
   */
  public String tasks(String queue) {
    return prefix + ".tasks." + queue;
  }

  /** Where the engine tells workers that a task attempt no longer counts (timed out, run ended). */
  public String taskCancels() {
    return prefix + ".task-cancels";
  }

  public List<String> all() {
    return List.of(requests(), results(), events(), stepOutcomes(), deadLetters(), approvals(), approvalRequests(), signals(),
        streams(), sessions(), limits(), limitGrants());
  }
}
