package io.stepstream.internal.executor;

import io.stepstream.NonDeterminismException;
import io.stepstream.avro.EmittedRecord;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.internal.codec.PayloadCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Records for user topics ({@code ctx.emit}, {@code StepContext.emit}): how a value becomes bytes,
 * how emits are named in the journal, and the replay check of a workflow's emits.
 *
 * <p>Names: a workflow's emits are journaled by position, {@code $emit:<n>} (1, 2, ... per pass of
 * the code); a step's emits as {@code $emit:<step>:<i>} (0, 1, ... per attempt), in the same
 * step outcome as the step's result, so the orchestrator writes them if and only if that result is
 * the one it journals.
 */
public final class Emits {
  /** Header with the run id, on every emitted record. */
  public static final String RUN_ID_HEADER = "stepstream.run-id";
  /** Header with the emit's journal entry name: with the run id, unique per record (consumers may deduplicate on it). */
  public static final String EMIT_HEADER = "stepstream.emit";
  static final String PREFIX = "$emit:";
  private static final String RESERVED_HEADER_PREFIX = "stepstream.";

  private Emits() {}

  static String workflowEmitName(int position) {
    return PREFIX + position;
  }

  static String stepEmitName(String step, int index) {
    return PREFIX + step + ":" + index;
  }

  /**
   * The step a step emit belongs to; null for a workflow's emit ({@code $emit:<n>} has no further
   * ':', while {@code $emit:<step>:<i>} ends with one, whatever the step name contains).
   */
  public static String stepOf(String entryName) {
    if (!entryName.startsWith(PREFIX)) {
      return null;
    }
    String rest = entryName.substring(PREFIX.length());
    int last = rest.lastIndexOf(':');
    return last < 0 ? null : rest.substring(0, last);
  }

  /**
   * The record as it will be written; encoding problems are the caller's, so they are thrown as
   * {@link IllegalArgumentException} naming the run and topic.
   */
  static EmittedRecord record(String runId, String topic, String key, Object value, Map<String, String> headers) {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("run " + runId + ": emit needs a topic name");
    }
    Map<String, String> userHeaders = new LinkedHashMap<>();
    if (headers != null) {
      headers.forEach((name, v) -> {
        if (name == null || v == null || name.startsWith(RESERVED_HEADER_PREFIX)) {
          throw new IllegalArgumentException("run " + runId + ": emit to topic '" + topic + "' has header '" + name + "' = " + v
              + "; header names and values must not be null, and names starting with '" + RESERVED_HEADER_PREFIX
              + "' are the engine's");
        }
        userHeaders.put(name, v);
      });
    }
    return EmittedRecord.newBuilder()
        .setTopic(topic)
        .setKey(key)
        .setValue(value == null ? null : ByteBuffer.wrap(bytes(runId, topic, value)))
        .setHeaders(userHeaders)
        .build();
  }

  /** String as UTF-8, byte[] as is, anything else as JSON with the engine's Jackson settings (what payloads use). */
  private static byte[] bytes(String runId, String topic, Object value) {
    if (value instanceof String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    if (value instanceof byte[] b) {
      return b.clone(); // the caller may reuse its array
    }
    if (value instanceof org.apache.avro.specific.SpecificRecord) {
      throw new IllegalArgumentException("run " + runId + ": emit to topic '" + topic + "' of an Avro " + value.getClass().getName()
          + ": encode it the way your topic's consumers expect and emit the byte[] (the engine writes JSON for objects)");
    }
    try {
      return PayloadCodec.json().writeValueAsBytes(value);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("run " + runId + ": the value emitted to topic '" + topic + "' (a " + value.getClass().getName()
          + ") cannot be written as JSON: " + e.getMessage() + "; emit a String, a byte[], or a record/POJO Jackson can serialize", e);
    }
  }

  /** The record journaled in an EMIT entry. */
  public static EmittedRecord recorded(JournalEntry entry) {
    if (entry.getKind() != EntryKind.EMIT || entry.getValue() == null) {
      throw new IllegalArgumentException("'" + entry.getName() + "' is not an EMIT entry with a record");
    }
    return PayloadCodec.decode(entry.getValue(), EmittedRecord.class);
  }

  /**
   * A replayed workflow emit must be the record journaled at its position: otherwise an emit was
   * added, removed or changed before it, and going on would skip a new record or write an old one
   * again.
   */
  static NonDeterminismException mismatch(String runId, JournalEntry journaled, EmittedRecord now) {
    EmittedRecord then;
    try {
      then = recorded(journaled);
    } catch (RuntimeException e) {
      return null; // undecodable: nothing to compare; it was written (or dead-lettered) when journaled
    }
    if (sameRecord(then, now)) {
      return null;
    }
    return new NonDeterminismException(
        "run " + runId + ": emit '" + journaled.getName() + "' was journaled as a record to topic '" + then.getTopic() + "' (key "
            + then.getKey() + ") but the code now emits " + (then.getTopic().equals(now.getTopic()) && Objects.equals(then.getKey(), now.getKey())
                ? "a different value or headers" : "to topic '" + now.getTopic() + "' (key " + now.getKey() + ")")
            + " at that position; an emit was added, removed or changed before it (workflow emits are journaled by position,"
            + " and their values must be deterministic). Restore the old code or version the workflow, then `stepstream resume "
            + runId + "`");
  }

  private static boolean sameRecord(EmittedRecord a, EmittedRecord b) {
    return a.getTopic().equals(b.getTopic()) && Objects.equals(str(a.getKey()), str(b.getKey()))
        && Objects.equals(a.getValue(), b.getValue()) && strings(a.getHeaders()).equals(strings(b.getHeaders()));
  }

  private static String str(CharSequence s) {
    return s == null ? null : s.toString();
  }

  private static Map<String, String> strings(Map<? extends CharSequence, ? extends CharSequence> m) {
    Map<String, String> out = new java.util.HashMap<>();
    m.forEach((k, v) -> out.put(k.toString(), v.toString()));
    return out;
  }
}
