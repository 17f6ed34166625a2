package io.stepstream.internal.executor;

import io.stepstream.NonDeterminismException;
import io.stepstream.StepContext;
import io.stepstream.StepFailedException;
import io.stepstream.StepFunction;
import io.stepstream.WorkflowContext;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The {@link WorkflowContext} of one execution: answers from the journal where it can (replay), and
 * otherwise acts and publishes what it did before returning, so nothing that follows can depend on
 * an unrecorded fact.
 *
 * <p>Recorded values ({@code now}, {@code randomUUID}) are buffered and published with the next step
 * outcome or the completion: nothing durable depends on them before then.
 */
final class ReplayContext implements WorkflowContext {
  private final ExecutionRequest request;
  private final OutcomePublisher publisher;
  private final Clock clock;
  private final BooleanSupplier cancelled;
  private final Set<String> namesUsed = new HashSet<>();
  private final List<JournalEntry> unpublished = new ArrayList<>();
  private int nowCount;
  private int uuidCount;

  ReplayContext(ExecutionRequest request, OutcomePublisher publisher, Clock clock, BooleanSupplier cancelled) {
    this.request = request;
    this.publisher = publisher;
    this.clock = clock;
    this.cancelled = cancelled;
  }

  @Override
  public String runId() {
    return request.runId();
  }

  @Override
  public String workflowType() {
    return request.workflowType();
  }

  @Override
  public <T> T step(String name, Class<T> type, StepFunction<T> fn) {
    JournalEntry recorded = recall(name, EntryKind.STEP, "step");
    if (recorded != null) {
      return replay(recorded, type);
    }
    return execute(name, fn);
  }

  @Override
  public Instant now() {
    String name = "$now:" + (++nowCount);
    JournalEntry recorded = recall(name, EntryKind.NOW, "now()");
    if (recorded != null) {
      return PayloadCodec.decode(recorded.getValue(), Instant.class);
    }
    Instant now = clock.instant();
    unpublished.add(entry(name, EntryKind.NOW, true, PayloadCodec.encode(now), null));
    return now;
  }

  @Override
  public UUID randomUUID() {
    String name = "$uuid:" + (++uuidCount);
    JournalEntry recorded = recall(name, EntryKind.RANDOM_UUID, "randomUUID()");
    if (recorded != null) {
      return PayloadCodec.decode(recorded.getValue(), UUID.class);
    }
    UUID uuid = UUID.randomUUID();
    unpublished.add(entry(name, EntryKind.RANDOM_UUID, true, PayloadCodec.encode(uuid), null));
    return uuid;
  }

  /** Entries recorded since the last publish; they travel with the completion. */
  List<JournalEntry> drainUnpublished() {
    List<JournalEntry> drained = new ArrayList<>(unpublished);
    unpublished.clear();
    return drained;
  }

  void checkNotCancelled() {
    if (cancelled.getAsBoolean()) {
      throw new ExecutionAbandoned(request.runId());
    }
  }

  private JournalEntry recall(String name, EntryKind kind, String call) {
    checkNotCancelled();
    if (!namesUsed.add(name)) {
      throw new IllegalStateException(
          "run " + request.runId() + " uses the name '" + name + "' twice; names must be unique within a run"
              + " (in loops, add the index: \"tool-\" + i)");
    }
    JournalEntry recorded = request.journal().get(name);
    if (recorded != null && recorded.getKind() != kind) {
      throw new NonDeterminismException(
          "run " + request.runId() + ": '" + name + "' was recorded by a " + recorded.getKind()
              + " call but the code now reaches it with " + call
              + "; the workflow code changed incompatibly. Restore the old code or rename the new call, then restart");
    }
    return recorded;
  }

  private <T> T replay(JournalEntry recorded, Class<T> type) {
    if (recorded.getSucceeded()) {
      return PayloadCodec.decode(recorded.getValue(), type);
    }
    ErrorInfo error = recorded.getError();
    throw new StepFailedException(recorded.getName(), recorded.getAttempt(), error.getType(), error.getMessage());
  }

  private <T> T execute(String name, StepFunction<T> fn) {
    int attempt = 1;
    T value;
    try {
      value = fn.apply(new SimpleStepContext(request.runId(), name, attempt));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      checkNotCancelled();
      return failStep(name, attempt, e);
    } catch (Exception e) {
      checkNotCancelled();
      return failStep(name, attempt, e);
    }
    checkNotCancelled();
    JournalEntry success;
    try {
      success = entry(name, EntryKind.STEP, true, PayloadCodec.encode(value), null);
    } catch (PayloadCodec.PayloadException e) {
      return failStep(name, attempt, e);
    }
    if (!publishStep(success)) {
      failStep(name, attempt, "RECORD_TOO_LARGE", tooLargeMessage(name));
    }
    return value;
  }

  private <T> T failStep(String name, int attempt, Exception cause) {
    String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return failStep(name, attempt, cause.getClass().getName(), message);
  }

  private <T> T failStep(String name, int attempt, String type, String message) {
    ErrorInfo error = ErrorInfo.newBuilder().setType(type).setMessage(message).setStep(name).setAttempt(attempt).build();
    publishStep(entry(name, EntryKind.STEP, false, null, error));
    throw new StepFailedException(name, attempt, type, message);
  }

  /** Publishes the entry with any buffered recorded values; false if it would be too large. */
  private boolean publishStep(JournalEntry entry) {
    List<JournalEntry> entries = new ArrayList<>(unpublished);
    entries.add(entry);
    StepOutcome outcome = new StepOutcome(request.runId(), request.generation(), entries, null);
    if (Envelopes.encode(outcome).length > publisher.maxOutcomeBytes()) {
      return false;
    }
    Execution.publishOrAbandon(publisher, outcome, request.runId());
    unpublished.clear();
    return true;
  }

  private String tooLargeMessage(String name) {
    return "the result of step '" + name + "' in run " + request.runId() + " is larger than "
        + publisher.maxOutcomeBytes() + " bytes, the most the step-outcomes topic accepts;"
        + " store large data elsewhere and return a reference, or raise max.message.bytes";
  }

  private JournalEntry entry(String name, EntryKind kind, boolean ok, io.stepstream.avro.Payload value, ErrorInfo error) {
    return JournalEntry.newBuilder()
        .setRunId(request.runId())
        .setName(name)
        .setKind(kind)
        .setSucceeded(ok)
        .setValue(value)
        .setError(error)
        .setAttempt(error == null ? 1 : error.getAttempt())
        .setGeneration(request.generation())
        .setRecordedAt(clock.millis())
        .build();
  }

  private record SimpleStepContext(String runId, String stepName, int attempt) implements StepContext {}
}
