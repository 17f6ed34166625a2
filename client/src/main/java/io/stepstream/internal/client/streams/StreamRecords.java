package io.stepstream.internal.client.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The JSON value of a {@code <prefix>.streams} record (UTF-8, no envelope, readable by any Kafka
 * client): {@code {"v":1,"type":"chunk","runId":"r-1","step":"answer","attempt":1,
 * "executionId":"...","seq":3,"text":"Hel","at":1764662400000}}. Fields that do not apply to a
 * type are left out. Decoding is strict: a record that is not this format is refused with why.
 */
public final class StreamRecords {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TYPES = Set.of(StreamRecord.BEGIN, StreamRecord.CHUNK, StreamRecord.END, StreamRecord.RUN_END);

  private StreamRecords() {}

  public static byte[] encode(StreamRecord r) {
    ObjectNode o = JSON.createObjectNode();
    o.put("v", StreamRecord.VERSION);
    o.put("type", r.type());
    o.put("runId", r.runId());
    if (!StreamRecord.RUN_END.equals(r.type())) {
      o.put("step", r.step());
      o.put("attempt", r.attempt());
      o.put("executionId", r.executionId());
      o.put("seq", r.seq());
    }
    if (r.text() != null) {
      o.put("text", r.text());
    }
    if (r.status() != null) {
      o.put("status", r.status());
    }
    if (r.error() != null) {
      o.put("error", r.error());
    }
    o.put("at", r.at());
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException("could not encode a stream record of run " + r.runId() + ": " + e, e);
    }
  }

  /** @throws IllegalArgumentException saying what is wrong, for a value that is not a stream record */
  public static StreamRecord decode(byte[] value) {
    JsonNode o;
    try {
      o = value == null ? null : JSON.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a stream record (not JSON): " + e.getMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("not a stream record: the value is not a JSON object");
    }
    int v = o.path("v").asInt(-1);
    if (v != StreamRecord.VERSION) {
      throw new IllegalArgumentException("stream record version " + o.path("v") + " is not " + StreamRecord.VERSION + " (a newer writer?)");
    }
    String type = text(o, "type");
    if (type == null || !TYPES.contains(type)) {
      throw new IllegalArgumentException("stream record type '" + type + "' is not one of " + TYPES);
    }
    String runId = text(o, "runId");
    if (runId == null) {
      throw new IllegalArgumentException("stream record without a runId");
    }
    boolean ofAttempt = !StreamRecord.RUN_END.equals(type);
    if (ofAttempt && (text(o, "step") == null || !o.path("attempt").canConvertToInt() || !o.path("seq").isIntegralNumber())) {
      throw new IllegalArgumentException("stream record '" + type + "' of run " + runId + " without step, attempt or seq");
    }
    return new StreamRecord(type, runId, text(o, "step"), o.path("attempt").asInt(0), text(o, "executionId"), o.path("seq").asLong(0),
        text(o, "text"), text(o, "status"), text(o, "error"), o.path("at").asLong(0));
  }

  private static String text(JsonNode o, String field) {
    JsonNode n = o.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  /** For logs and messages. */
  public static String toString(byte[] value) {
    return value == null ? "null" : new String(value, StandardCharsets.UTF_8);
  }
}
