package io.stepstream.internal.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

/**
 * A record's value as a JSON tree, whatever the source made of it:
 *
 * <ul>
 *   <li>a {@code Struct} with its schema, a schemaless {@code Map}/{@code List} or a number/boolean: rendered by
 *       Connect's own {@link JsonConverter} (schemas off, decimals as JSON numbers; dates and timestamps become
 *       epoch numbers as that converter writes them);
 *   <li>a {@code String}, {@code byte[]} or {@code ByteBuffer}: parsed as JSON text (UTF-8), as a file, HTTP or
 *       Kafka source delivers it.
 * </ul>
 *
 * <p>Connect data goes through bytes on purpose: the converter is the worker's class (Connect's packages are
 * never isolated) and uses the worker's Jackson, while this plugin has its own.
 */
final class RecordValues implements AutoCloseable {
  private final JsonConverter converter = new JsonConverter();

  RecordValues() {
    converter.configure(Map.of(
        JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false",
        JsonConverterConfig.DECIMAL_FORMAT_CONFIG, "NUMERIC",
        "converter.type", "value"));
  }

  JsonNode toJson(ConnectRecord<?> record) {
    Object value = record.value();
    if (value == null) {
      throw new DataException(RecordNames.describe(record) + " has no value (null: a tombstone?), so there is nothing to start a run with");
    }
    if (value instanceof String text) {
      return parse(record, text.getBytes(StandardCharsets.UTF_8), "a string");
    }
    if (value instanceof byte[] bytes) {
      return parse(record, bytes, "bytes");
    }
    if (value instanceof ByteBuffer buffer) {
      ByteBuffer copy = buffer.duplicate();
      byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      return parse(record, bytes, "bytes");
    }
    byte[] json;
    try {
      json = converter.fromConnectData(record.topic(), record.valueSchema(), value);
    } catch (RuntimeException e) {
      throw new DataException("cannot render the value of " + RecordNames.describe(record) + " as JSON: " + e.getMessage(), e);
    }
    return parse(record, json, "Connect data");
  }

  private static JsonNode parse(ConnectRecord<?> record, byte[] bytes, String what) {
    try {
      JsonNode node = Json.MAPPER.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new DataException("the value of " + RecordNames.describe(record) + " is empty " + what + "; expected JSON");
      }
      return node;
    } catch (IOException e) {
      String problem = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new DataException("the value of " + RecordNames.describe(record) + " is " + what + " that is not JSON (" + problem
          + "); ToWorkflowRequest reads JSON text, a Struct or a Map: " + preview(bytes), e);
    }
  }

  private static String preview(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    return text.length() > 80 ? text.substring(0, 80) + "..." : text;
  }

  @Override
  public void close() {
    converter.close();
  }
}
