package io.stepstream.internal.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.Payload;
import io.stepstream.avro.PayloadEncoding;
import io.stepstream.internal.codec.PayloadCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * An envelope in the JSON form the engine's JSON mode writes (docs/clients.md): an object with the Avro field
 * names; a nullable union is the value or null; an enum is its symbol; bytes are base64; a {@code Payload} (workflow
 * output, approval details) is the JSON value itself when JSON-encoded, else {@code {"$avro":"<base64 of the
 * single-object bytes>"}}. Rendered from the schema, so a field added to an envelope shows up without a change
 * here.
 */
final class JsonForm {
  private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();
  private static final String PAYLOAD = Payload.getClassSchema().getFullName();

  private JsonForm() {}

  static ObjectNode of(IndexedRecord record) {
    return (ObjectNode) value(record.getSchema(), record);
  }

  private static JsonNode value(Schema schema, Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    return switch (schema.getType()) {
      case UNION -> value(schema.getTypes().get(SpecificData.get().resolveUnion(schema, value)), value);
      case RECORD -> PAYLOAD.equals(schema.getFullName()) ? payload((Payload) value) : record((IndexedRecord) value);
      case ENUM, STRING -> NODES.textNode(value.toString());
      case BYTES -> NODES.textNode(base64((ByteBuffer) value));
      case FIXED -> NODES.textNode(Base64.getEncoder().encodeToString(((GenericFixed) value).bytes()));
      case INT -> NODES.numberNode((Integer) value);
      case LONG -> NODES.numberNode((Long) value);
      case FLOAT -> NODES.numberNode((Float) value);
      case DOUBLE -> NODES.numberNode((Double) value);
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case NULL -> NODES.nullNode();
      case ARRAY -> array(schema.getElementType(), (List<?>) value);
      case MAP -> map(schema.getValueType(), (Map<?, ?>) value);
    };
  }

  private static ObjectNode record(IndexedRecord record) {
    ObjectNode node = NODES.objectNode();
    for (Schema.Field field : record.getSchema().getFields()) {
      node.set(field.name(), value(field.schema(), record.get(field.pos())));
    }
    return node;
  }

  private static ArrayNode array(Schema items, List<?> values) {
    ArrayNode node = NODES.arrayNode();
    values.forEach(v -> node.add(value(items, v)));
    return node;
  }

  private static ObjectNode map(Schema values, Map<?, ?> entries) {
    ObjectNode node = NODES.objectNode();
    entries.forEach((k, v) -> node.set(k.toString(), value(values, v)));
    return node;
  }

  private static JsonNode payload(Payload payload) {
    byte[] bytes = PayloadCodec.bytes(payload);
    if (payload.getEncoding() == PayloadEncoding.JSON) {
      try {
        return Json.MAPPER.readTree(bytes);
      } catch (IOException e) {
        // a JSON payload is written by the engine's codec; if one is not JSON, show it rather than lose the record
        return NODES.textNode(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return NODES.objectNode().put("$avro", Base64.getEncoder().encodeToString(bytes));
  }

  private static String base64(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
