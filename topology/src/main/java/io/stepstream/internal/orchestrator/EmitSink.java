package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EmittedRecord;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.executor.EmitTopics;
import io.stepstream.internal.executor.Emits;
import io.stepstream.internal.executor.TraceHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the records workflows emit ({@code ctx.emit}, {@code StepContext.emit}) to their user
 * topics, in the task's EOS transaction: the one that journals their EMIT entry. So a {@code
 * read_committed} consumer sees a record if and only if its entry is committed, and since an entry
 * is journaled once per name (first outcome wins), never twice.
 *
 * <p>A step's emits arrive in the outcome that carries the step's result, and are accepted only if
 * that result is the one the journal holds (it won, now or in an earlier delivery of this very
 * outcome): the records of a re-executed step whose first result stands are not written, even if
 * it emitted more of them.
 *
 * <p>Only the engine's declared topics are written; an entry for any other (declared no more, or
 * forged) is journaled but dead-lettered and audited instead, never sent: the stream thread must
 * not crash on it nor block on metadata of a topic nobody created.
 */
final class EmitSink {
  private static final Logger LOG = LoggerFactory.getLogger(EmitSink.class);
  static final String NOT_DECLARED = "EMIT_TOPIC_NOT_DECLARED";
  static final String UNDECODABLE = "EMIT_UNDECODABLE";
  static final String TOO_LARGE = "EMIT_TOO_LARGE";

  private final ProcessorContext<String, byte[]> context;
  private final RunStore store;
  private final Outputs outputs;
  private final EmitTopics declared;

  EmitSink(ProcessorContext<String, byte[]> context, RunStore store, Outputs outputs, EmitTopics declared) {
    this.context = context;
    this.store = store;
    this.outputs = outputs;
    this.declared = declared;
  }

  /** The sink's topic: the one the record names (only declared topics reach the sink). */
  static TopicNameExtractor<String, EmittedRecord> topicOf() {
    return (key, record, recordContext) -> record.getTopic();
  }

  /** The sink writes the record's own value bytes; the key is the user's string (UTF-8). */
  static Serializer<EmittedRecord> valueBytes() {
    return (topic, record) -> record == null || record.getValue() == null ? null : bytes(record.getValue());
  }

  /**
   * False for a step's emit whose step result in this outcome is not the journaled one (a
   * duplicate): it must be neither journaled nor written. A workflow's emits stand on their own.
   */
  boolean belongsToJournaledResult(StepOutcome outcome, JournalEntry emit) {
    String step = Emits.stepOf(emit.getName());
    if (step == null) {
      return true;
    }
    for (JournalEntry e : outcome.getEntries()) {
      if (e.getKind() == EntryKind.STEP && e.getName().equals(step)) {
        return e.getSucceeded() && e.equals(store.entry(outcome.getRunId(), step));
      }
    }
    return false; // a step's emits never travel without its result
  }

  /** The entry was just journaled: write its record (or dead-letter it), in this transaction. */
  void write(RunState state, JournalEntry entry) {
    String runId = state.getRunId();
    EmittedRecord record;
    try {
      record = Emits.recorded(entry);
    } catch (RuntimeException e) {
      reject(state, entry, null, null, UNDECODABLE, "run " + runId + ": emit '" + entry.getName() + "' does not decode ("
          + e.getMessage() + "); nothing was written");
      return;
    }
    String topic = record.getTopic();
    if (!declared.contains(topic)) {
      reject(state, entry, record, topic, NOT_DECLARED, declared.undeclared(runId, topic).replace(" emits ", " emitted ")
          + "; the record was not written (its value is in this dead letter: produce it yourself if it is still wanted)");
      return;
    }
    int size = size(record);
    if (size > outputs.recordLimit().bytes()) {
      // the topic may well take it, but this engine only knows its own topics' limit; a record the
      // broker refused would fail the transaction and the stream thread with it
      reject(state, entry, record, topic, TOO_LARGE, "run " + runId + ": the record emitted to topic '" + topic + "' has " + size
          + " bytes, more than the " + outputs.recordLimit().describe() + " this engine writes; it was not written");
      return;
    }
    Headers headers = new RecordHeaders();
    for (Map.Entry<String, String> h : record.getHeaders().entrySet()) {
      headers.add(h.getKey(), utf8(h.getValue()));
    }
    headers.add(Emits.RUN_ID_HEADER, utf8(runId));
    headers.add(Emits.EMIT_HEADER, utf8(entry.getName()));
    TraceHeaders.addTo(store.traces().of(runId), headers);
    forward(new Record<>(record.getKey(), record, outputs.now(), headers));
  }

  /**
   * The processor's records are (String, byte[]); this sink alone takes the whole record, so its
   * extractor can name the topic without a header that would end up on the user's record.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void forward(Record<String, EmittedRecord> record) {
    ((ProcessorContext) context).forward(record, OrchestratorTopology.EMITS_SINK);
  }

  private void reject(RunState state, JournalEntry entry, EmittedRecord record, String topic, String errorType, String message) {
    LOG.warn("{}", message);
    outputs.audit(state, AuditEventType.INPUT_REJECTED, entry.getName(), entry.getAttempt(), entry.getGeneration(), errorType + ": " + message);
    byte[] value = record == null || record.getValue() == null ? null : bytes(record.getValue());
    Record<String, byte[]> letter = new Record<>(state.getRunId(), value, outputs.now());
    outputs.deadLetter(letter, state.getRunId(), errorType, message);
  }

  private static int size(EmittedRecord record) {
    int size = record.getValue() == null ? 0 : record.getValue().remaining();
    size += record.getKey() == null ? 0 : record.getKey().length() * 3;
    for (Map.Entry<String, String> h : record.getHeaders().entrySet()) {
      size += (h.getKey().length() + h.getValue().length()) * 3;
    }
    return size;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
