package io.stepstream.internal.orchestrator;

import io.stepstream.client.Topics;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Decisions and events for a run id that has no request yet. A client that sends an event right
 * after {@code start()} returned races its own request (signal-with-start); nothing is lost for
 * that: the input is stored in the run's journal exactly as if the run already waited elsewhere,
 * and the run finds it when it gets there. A marker entry ({@code $early}) remembers that the run
 * id has stored inputs and until when: after the TTL with still no request, each is dead-lettered
 * as {@code UNKNOWN_RUN}. At most {@link #MAX_PER_RUN} inputs are kept per unknown run id.
 */
final class EarlyInputs {
  static final String MARKER = "$early";
  static final int MAX_PER_RUN = 100;

  private final RunStore store;
  private final TimerStore timers;
  private final Outputs outputs;
  private final Duration ttl;
  private final io.stepstream.client.Topics topics;

  EarlyInputs(RunStore store, TimerStore timers, Outputs outputs, Duration ttl, io.stepstream.client.Topics topics) {
    this.topics = topics;
    this.store = store;
    this.timers = timers;
    this.outputs = outputs;
    this.ttl = ttl;
  }

  void keepDecision(Record<String, byte[]> record, String runId, ApprovalDecision decision) {
    String name = decision.getApprovalName();
    decision.setRunId(runId);
    keep(record, runId, WaitResolver.DECISION_PREFIX + name, EntryKind.DECISION, decision, "approval '" + name + "'",
        AuditEventType.DECISION_BUFFERED, AuditEventType.DECISION_IGNORED);
  }

  void keepSignal(Record<String, byte[]> record, String runId, Signal signal, String signalId) {
    signal.setRunId(runId);
    keep(record, runId, WaitResolver.SIGNAL_PREFIX + signal.getName() + ":" + signalId, EntryKind.SIGNAL, signal,
        "event '" + signal.getName() + "' (" + signalId + ")", AuditEventType.SIGNAL_RECEIVED, AuditEventType.SIGNAL_IGNORED);
  }

  /** A promise's completion before its run's request: kept as the promise's settlement (the first one wins). */
  void keepPromise(Record<String, byte[]> record, String runId, Signal completion) {
    completion.setRunId(runId);
    keep(record, runId, PromiseCompletions.SETTLED_PREFIX + completion.getName(), EntryKind.PROMISE, completion,
        "the completion of promise '" + completion.getName() + "'", AuditEventType.SIGNAL_RECEIVED, AuditEventType.SIGNAL_IGNORED);
  }

  private void keep(
      Record<String, byte[]> record, String runId, String entryName, EntryKind kind, Object value, String what,
      AuditEventType kept, AuditEventType ignored) {
    JournalEntry marker = store.entry(runId, MARKER);
    if (marker != null && marker.getAttempt() >= MAX_PER_RUN) {
      outputs.audit(runId, ignored, null, 0, 0, "no run " + runId + " yet and already " + MAX_PER_RUN + " inputs stored for it");
      throw new InvalidInputException("UNKNOWN_RUN", "there is no run " + runId + " for " + what + ", and " + MAX_PER_RUN
          + " inputs are already kept for it until its request arrives; start the run first, or check the run id");
    }
    JournalEntry entry = JournalEntry.newBuilder().setRunId(runId).setName(entryName).setKind(kind).setSucceeded(true)
        .setValue(PayloadCodec.encode(value)).setGeneration(0).setRecordedAt(outputs.now()).build();
    if (!store.recordIfAbsent(entry)) {
      outputs.audit(runId, ignored, null, 0, 0, "a duplicate of " + what + ", already stored for run " + runId);
      return;
    }
    if (marker == null) {
      long expiresAt = outputs.now() + ttl.toMillis();
      marker = JournalEntry.newBuilder().setRunId(runId).setName(MARKER).setKind(EntryKind.EARLY_INPUTS).setSucceeded(true)
          .setGeneration(0).setAttempt(0).setRecordedAt(outputs.now()).setDueAt(expiresAt).build();
      timers.schedule(expiresAt, runId);
    }
    marker.setAttempt(marker.getAttempt() + 1);
    store.overwrite(marker);
    outputs.audit(runId, kept, null, 0, 0, what + " arrived before run " + runId + " was started; kept until "
        + java.time.Instant.ofEpochMilli(marker.getDueAt()) + " for its request");
  }

  /** The run's request arrived: its early inputs are now ordinary buffered inputs. True if there were any. */
  boolean adopt(String runId) {
    JournalEntry marker = store.entry(runId, MARKER);
    if (marker == null) {
      return false;
    }
    store.delete(runId, MARKER);
    timers.cancel(marker.getDueAt(), runId);
    return true;
  }

  /** A timer fired for a run id with no run: if it is the early inputs' expiry, dead-letter them. */
  void expireIfDue(String runId, long dueAt) {
    JournalEntry marker = store.entry(runId, MARKER);
    if (marker == null || marker.getDueAt() != dueAt) {
      return;
    }
    Map<String, JournalEntry> entries = store.journalOf(runId);
    for (JournalEntry e : entries.values()) {
      store.delete(runId, e.getName());
      if (e.getKind() == EntryKind.EARLY_INPUTS) {
        continue;
      }
      boolean decision = e.getKind() == EntryKind.DECISION;
      byte[] original = decision
          ? Envelopes.encode(PayloadCodec.decode(e.getValue(), ApprovalDecision.class))
          : Envelopes.encode(PayloadCodec.decode(e.getValue(), Signal.class));
      String why = "no request for run " + runId + " arrived within " + ttl + " after this "
          + (decision ? "decision" : "event") + "; check the run id, or start the run and re-produce this record from the DLQ";
      outputs.audit(runId, AuditEventType.EARLY_INPUT_EXPIRED, null, 0, 0, why);
      outputs.deadLetter(new Record<>(runId, original, outputs.now()), runId, "UNKNOWN_RUN", why,
          decision ? topics.approvals() : topics.signals(), -1, -1);
    }
  }
}
