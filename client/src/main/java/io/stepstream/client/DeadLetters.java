package io.stepstream.client;

import io.stepstream.internal.client.DeadLetterStore;
import java.time.Duration;
import java.util.List;

/**
 * The dead-letter topic ({@code <prefix>.dlq}) for operators: browse it and, once the cause is
 * fixed, redrive records (produce their original key and value to their source topic again). Get
 * one from {@link WorkflowClient#deadLetters()}; it shares the client's connection.
 *
 * <pre>{@code
 * DeadLetters dlq = client.deadLetters();
 * DeadLetterPage page = dlq.list(DeadLetterQuery.newest(20).code("APPROVER_NOT_ALLOWED"));
 * for (DeadLetterView d : page.deadLetters()) {
 *   System.out.println(d.ref() + " " + d.runId() + " " + d.errorType() + ": " + d.errorMessage());
 * }
 * // after fixing the cause (an approver added to the allowed list, a workflow type deployed ...):
 * RedriveResult r = dlq.redrive(List.of(new DeadLetterRef(0, 17)), "ops-alice");
 * r.refused().forEach(x -> System.out.println("not redriven " + x.partition() + "@" + x.offset() + ": " + x.reason()));
 * }</pre>
 *
 * <p>Listing reads the DLQ topic from its start to its current end (read_committed), so it costs a
 * pass over the topic: meant for tools, not hot paths. A redriven record carries the headers {@code
 * stepstream.redrive.from} (the dead letter's coordinates) and {@code stepstream.redrive.by}; the
 * engine audits {@code RECORD_REDRIVEN} on the run's events when it reads it, then handles it like
 * any record (if it is still wrong, it is dead-lettered again). A marker record in the DLQ remembers
 * each redrive ({@link DeadLetterView#redriven()}). Not redriven, with the reason: Kafka Streams'
 * own dead letters, records a workflow emitted ({@code EMIT_*}), dead letters whose value was too
 * large to keep, and anything not from the requests, approvals or signals topic.
 */
public final class DeadLetters {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private final DeadLetterStore store;

  DeadLetters(DeadLetterStore store) {
    this.store = store;
  }

  /** A page of dead letters, newest first (when they were dead-lettered). */
  public DeadLetterPage list(DeadLetterQuery query) {
    return store.list(query, TIMEOUT);
  }

  /**
   * Redrives the dead letters at {@code refs} as {@code requestedBy} (recorded on the redriven
   * records and in the engine's {@code RECORD_REDRIVEN} events); refuses those that cannot be, each
   * with the reason. Redriving one twice produces it twice: the engine's deduplication (run ids,
   * approvals, signal ids) applies as for any record.
   */
  public RedriveResult redrive(List<DeadLetterRef> refs, String requestedBy) {
    return store.redrive(refs, requestedBy, TIMEOUT);
  }
}
