package io.stepstream.internal.connect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.internal.codec.JsonEnvelopes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * An envelope in the JSON form the engine's JSON mode writes (docs/clients.md), as a tree the webhook
 * body embeds: the engine's own writer ({@link JsonEnvelopes}), so the webhook and JSON-mode topics
 * can never disagree (the Payload rule, {@code $avro}, base64 bytes).
 */
final class JsonForm {
  private static final Map<Schema, JsonEnvelopes.Writer> WRITERS = new ConcurrentHashMap<>();

  private JsonForm() {}

  static ObjectNode of(IndexedRecord record) {
    byte[] json = WRITERS.computeIfAbsent(record.getSchema(), s -> JsonEnvelopes.writer(s, Map.of())).write(record);
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("the engine's JSON writer wrote what its reader cannot parse", e);
    }
  }
}
