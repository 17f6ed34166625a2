package io.stepstream.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One JSON object from outside the engine (a request, command, decision or signal), read strictly:
 * an unknown field, a missing required field or a field of the wrong JSON type is an {@link
 * InvalidInputException} that names the field. Lenient reading is how a decision with a misnamed
 * field used to be applied with that field silently empty.
 *
 * <pre>{@code
 * JsonInput in = JsonInput.parse(value, "INVALID_SIGNAL", "UNDECODABLE_SIGNAL", "signal", FIELDS, Map.of("payload", "data"));
 * String name = in.requiredText("name");
 * }</pre>
 */
final class JsonInput {
  private final JsonNode node;
  private final String invalidCode;
  private final String what;

  private JsonInput(JsonNode node, String invalidCode, String what) {
    this.node = node;
    this.invalidCode = invalidCode;
    this.what = what;
  }

  /**
   * Parses {@code value} as a JSON object with only {@code fields}.
   *
   * @param hints for a known mistake, the field that was meant (e.g. {@code "type" -> "workflowType"})
   */
  static JsonInput parse(byte[] value, String invalidCode, String undecodableCode, String what, List<String> fields, Map<String, String> hints) {
    return of(object(value, undecodableCode), invalidCode, what, fields, hints);
  }

  /** {@code value} as a JSON object, before its fields are checked (to choose which form it is). */
  static JsonNode object(byte[] value, String undecodableCode) {
    JsonNode node;
    try {
      node = PayloadCodec.exactTree(value);
    } catch (IOException e) {
      throw new InvalidInputException(undecodableCode, "neither Avro nor valid JSON: "
          + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    if (node == null || !node.isObject()) {
      throw new InvalidInputException(undecodableCode, "expected a JSON object or an Avro record, got " + (node == null ? "nothing" : node.getNodeType()));
    }
    return node;
  }

  static JsonInput of(JsonNode node, String invalidCode, String what, List<String> fields, Map<String, String> hints) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        String hint = hints.get(name);
        throw new InvalidInputException(invalidCode, "unknown field \"" + name + "\" in the JSON " + what
            + (hint == null ? "" : " (did you mean \"" + hint + "\"?)") + "; its fields are: " + String.join(", ", fields));
      }
    }
    return new JsonInput(node, invalidCode, what);
  }

  /** A JSON object inside this one, with only {@code fields}. */
  JsonInput nested(String field, List<String> fields) {
    JsonNode v = node.get(field);
    if (v == null || !v.isObject()) {
      throw invalid("field \"" + field + "\" of the JSON " + what + " must be an object with the fields " + String.join(", ", fields)
          + ", got " + v);
    }
    return of(v, invalidCode, what + "'s \"" + field + "\"", fields, Map.of());
  }

  boolean has(String field) {
    return node.hasNonNull(field);
  }

  String requiredText(String field) {
    String text = optionalText(field);
    if (text == null) {
      throw missing(field, "a string");
    }
    return text;
  }

  String optionalText(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw wrongType(field, "a string", v);
    }
    return v.asText();
  }

  boolean requiredBoolean(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw missing(field, "true or false");
    }
    if (!v.isBoolean()) {
      throw wrongType(field, "true or false", v);
    }
    return v.booleanValue();
  }

  boolean optionalBoolean(String field, boolean fallback) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? fallback : requiredBoolean(field);
  }

  long optionalLong(String field, long fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw wrongType(field, "a whole number (epoch milliseconds)", v);
    }
    return v.longValue();
  }

  List<String> optionalTextList(String field) {
    JsonNode v = node.get(field);
    List<String> values = new ArrayList<>();
    if (v == null || v.isNull()) {
      return values;
    }
    if (!v.isArray()) {
      throw wrongType(field, "an array of strings", v);
    }
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw wrongType(field, "an array of strings", v);
      }
      values.add(item.asText());
    }
    return values;
  }

  /** Any JSON value (a user value, bound to the workflow's type later); null when absent or JSON null. */
  JsonNode optionalValue(String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v;
  }

  /**
   * A user value ({@code input}, {@code editedPayload}, {@code data}): any JSON value, or
   * <code>{"$avro": "&lt;base64 of Avro single-object bytes&gt;"}</code> for an Avro-encoded one (the
   * JSON form of a {@code Payload}); null when absent or JSON null.
   */
  io.stepstream.avro.Payload optionalPayload(String field) {
    JsonNode v = optionalValue(field);
    try {
      return JsonEnvelopes.payload(v);
    } catch (IllegalArgumentException e) {
      throw invalid("field \"" + field + "\" of the JSON " + what + ": " + e.getMessage());
    }
  }

  /** The value re-encoded as compact JSON bytes. */
  static byte[] bytes(JsonNode value) {
    try {
      return PayloadCodec.json().writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot re-encode a JSON tree: " + e.getMessage(), e);
    }
  }

  InvalidInputException invalid(String message) {
    return new InvalidInputException(invalidCode, message);
  }

  private InvalidInputException missing(String field, String expected) {
    return invalid("the JSON " + what + " needs \"" + field + "\" (" + expected + ")");
  }

  private InvalidInputException wrongType(String field, String expected, JsonNode got) {
    String shown = got.toString();
    return invalid("field \"" + field + "\" of the JSON " + what + " must be " + expected + ", got "
        + (shown.length() > 80 ? shown.substring(0, 80) + "..." : shown));
  }
}
