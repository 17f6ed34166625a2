package io.stepstream.internal.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.Payload;
import io.stepstream.avro.PayloadEncoding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The JSON form of an envelope, driven by its Avro schema, both ways (docs/clients.md, "Encodings"):
 * a JSON object with the Avro field names; a nullable union is the value or null (no union
 * wrapper); an enum its symbol; int/long numbers; bytes a base64 string; arrays and maps as JSON. A
 * {@code Payload} (a user value) is the JSON value itself when it is JSON-encoded, and
 * <code>{"$avro": "&lt;base64 of the single-object bytes&gt;"}</code> when it is Avro.
 *
 * <pre>{@code
 * byte[] json = JsonEnvelopes.writer(WorkflowResult.getClassSchema(), Map.of()).write(result);
 * WorkflowResult back = JsonEnvelopes.read(json, WorkflowResult.getClassSchema());
 * }</pre>
 *
 * <p>Reading takes the reader's schema as the truth, as Avro's schema resolution would: a field the
 * JSON lacks takes its default (a writer older than the reader), a field the reader does not know is
 * ignored (a writer newer than the reader), an enum symbol it does not know becomes the enum's
 * default. So JSON readers need no schema from the writer at all.
 */
public final class JsonEnvelopes {
  /** The one field of the JSON form of an Avro-encoded {@code Payload}. */
  public static final String AVRO_PAYLOAD_FIELD = "$avro";

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final String PAYLOAD = Payload.getClassSchema().getFullName();

  static {
    AvroTrust.ensureInstalled();
  }

  private JsonEnvelopes() {}

  /**
   * A writer of one record type. {@code renames} changes (or, mapped to null, drops) top-level field
   * names: the client writes its inputs in the JSON forms the engine has always accepted (a signal's
   * {@code payload} is {@code data} there, a command's {@code type} is {@code command}).
   */
  public static Writer writer(Schema schema, Map<String, String> renames) {
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException("not a record schema: " + schema);
    }
    List<Schema.Field> fields = schema.getFields();
    String[] names = new String[fields.size()];
    for (Schema.Field f : fields) {
      names[f.pos()] = renames.containsKey(f.name()) ? renames.get(f.name()) : f.name();
    }
    return new Writer(schema, names);
  }

  /** Writes records of one schema; computed once per type (field names), nothing looked up per record. */
  public static final class Writer {
    private final Schema schema;
    private final String[] names;

    private Writer(Schema schema, String[] names) {
      this.schema = schema;
      this.names = names;
    }

    public byte[] write(IndexedRecord record) {
      try (ByteArrayBuilder out = new ByteArrayBuilder(256)) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
          g.writeStartObject();
          for (Schema.Field f : schema.getFields()) {
            String name = names[f.pos()];
            if (name != null) {
              g.writeFieldName(name);
              writeValue(g, f.schema(), record.get(f.pos()));
            }
          }
          g.writeEndObject();
        }
        return out.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write a " + schema.getName() + " as JSON: " + e.getMessage(), e);
      }
    }
  }

  private static void writeValue(JsonGenerator g, Schema s, Object v) throws IOException {
    switch (s.getType()) {
      case NULL -> g.writeNull();
      case BOOLEAN -> g.writeBoolean((Boolean) v);
      case INT -> g.writeNumber((Integer) v);
      case LONG -> g.writeNumber((Long) v);
      case FLOAT -> g.writeNumber((Float) v);
      case DOUBLE -> g.writeNumber((Double) v);
      case STRING -> g.writeString(v.toString());
      case ENUM -> g.writeString(v instanceof Enum<?> e ? e.name() : v.toString());
      case BYTES -> writeBytes(g, (ByteBuffer) v);
      case FIXED -> g.writeBinary(((GenericFixed) v).bytes());
      case UNION -> writeUnion(g, s, v);
      case ARRAY -> {
        g.writeStartArray();
        for (Object item : (Collection<?>) v) {
          writeValue(g, s.getElementType(), item);
        }
        g.writeEndArray();
      }
      case MAP -> {
        g.writeStartObject();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          g.writeFieldName(e.getKey().toString());
          writeValue(g, s.getValueType(), e.getValue());
        }
        g.writeEndObject();
      }
      case RECORD -> {
        if (s.getFullName().equals(PAYLOAD)) {
          writePayload(g, (Payload) v);
          return;
        }
        IndexedRecord r = (IndexedRecord) v;
        g.writeStartObject();
        for (Schema.Field f : s.getFields()) {
          g.writeFieldName(f.name());
          writeValue(g, f.schema(), r.get(f.pos()));
        }
        g.writeEndObject();
      }
    }
  }

  /** A nullable union is the value or null; a union of several non-null types (none in our schemas) is resolved as Avro does. */
  private static void writeUnion(JsonGenerator g, Schema union, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
      return;
    }
    List<Schema> branches = union.getTypes();
    Schema branch = branches.size() == 2 && branches.get(0).getType() == Schema.Type.NULL
        ? branches.get(1)
        : branches.get(SpecificData.get().resolveUnion(union, v));
    writeValue(g, branch, v);
  }

  private static void writeBytes(JsonGenerator g, ByteBuffer buffer) throws IOException {
    ByteBuffer b = buffer.duplicate();
    if (b.hasArray()) {
      g.writeBinary(b.array(), b.arrayOffset() + b.position(), b.remaining());
    } else {
      byte[] copy = new byte[b.remaining()];
      b.get(copy);
      g.writeBinary(copy);
    }
  }

  /** JSON data is written as the value itself (it was written by Jackson); Avro data as {"$avro": base64}. */
  private static void writePayload(JsonGenerator g, Payload p) throws IOException {
    if (p.getClaimCheck() != null) {
      writeClaimCheck(g, p);
      return;
    }
    ByteBuffer data = p.getData().duplicate();
    if (p.getEncoding() == PayloadEncoding.AVRO) {
      g.writeStartObject();
      g.writeFieldName(AVRO_PAYLOAD_FIELD);
      writeBytes(g, data);
      g.writeEndObject();
      return;
    }
    String json = StandardCharsets.UTF_8.decode(data).toString();
    if (json.isBlank()) {
      g.writeNull();
    } else {
      g.writeRawValue(json);
    }
  }

  /** <code>{"$claimCheck": {"encoding": "JSON", "sha256": ..., "size": ..., "topic": ..., "partition": ..., "key": ..., "offsets": [...]}}</code>. */
  private static void writeClaimCheck(JsonGenerator g, Payload p) throws IOException {
    io.stepstream.avro.ClaimCheck ref = p.getClaimCheck();
    g.writeStartObject();
    g.writeObjectFieldStart(CLAIM_CHECK_FIELD);
    g.writeStringField("encoding", p.getEncoding().name());
    g.writeStringField("sha256", ref.getSha256());
    g.writeNumberField("size", ref.getSize());
    g.writeStringField("topic", ref.getTopic());
    g.writeNumberField("partition", ref.getPartition());
    g.writeStringField("key", ref.getKey());
    g.writeArrayFieldStart("offsets");
    for (long offset : ref.getOffsets()) {
      g.writeNumber(offset);
    }
    g.writeEndArray();
    g.writeEndObject();
    g.writeEndObject();
  }

  /** The field of a JSON payload that stands for a claim-checked value (docs/large-payloads.md). */
  public static final String CLAIM_CHECK_FIELD = "$claimCheck";

  private static Payload claimChecked(JsonNode value) {
    JsonNode ref = value.get(CLAIM_CHECK_FIELD);
    java.util.List<Long> offsets = new java.util.ArrayList<>();
    ref.path("offsets").forEach(o -> offsets.add(o.asLong()));
    for (String field : List.of("sha256", "size", "topic", "partition", "key")) {
      if (!ref.hasNonNull(field)) {
        throw new IllegalArgumentException("\"" + CLAIM_CHECK_FIELD + "\" needs the field \"" + field + "\"");
      }
    }
    return Payload.newBuilder()
        .setEncoding(PayloadEncoding.valueOf(ref.path("encoding").asText("JSON")))
        .setData(ByteBuffer.allocate(0))
        .setJavaType(null)
        .setClaimCheck(io.stepstream.avro.ClaimCheck.newBuilder().setSha256(ref.get("sha256").asText()).setSize(ref.get("size").asLong())
            .setTopic(ref.get("topic").asText()).setPartition(ref.get("partition").asInt()).setKey(ref.get("key").asText())
            .setOffsets(offsets).build())
        .build();
  }

  // ---- reading ----

  /**
   * Reads a JSON envelope into the generated class of {@code schema}.
   *
   * @throws IllegalArgumentException naming the field that does not fit the schema
   */
  @SuppressWarnings("unchecked")
  public static <T extends SpecificRecord> T read(byte[] json, Schema schema) {
    JsonNode node;
    try {
      node = PayloadCodec.exactTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read a " + schema.getName() + ": invalid JSON ("
          + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()) + ")", e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("cannot read a " + schema.getName() + ": expected a JSON object");
    }
    return (T) readRecord(node, schema, schema.getName());
  }

  /** The {@code Payload} a JSON value stands for: <code>{"$avro": base64}</code> is Avro, anything else JSON. */
  public static Payload payload(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isObject() && value.size() == 1 && value.has(CLAIM_CHECK_FIELD) && value.get(CLAIM_CHECK_FIELD).isObject()) {
      return claimChecked(value);
    }
    if (isAvroPayload(value)) {
      String base64 = value.get(AVRO_PAYLOAD_FIELD).asText();
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("\"" + AVRO_PAYLOAD_FIELD + "\" must be the base64 of the value's Avro single-object bytes: "
            + e.getMessage());
      }
      return new Payload(PayloadEncoding.AVRO, ByteBuffer.wrap(bytes), null, null);
    }
    return PayloadCodec.rawJson(JsonInput.bytes(value));
  }

  /** <code>{"$avro": "..."}</code>, and nothing else in the object. */
  public static boolean isAvroPayload(JsonNode value) {
    return value.isObject() && value.size() == 1 && value.has(AVRO_PAYLOAD_FIELD) && value.get(AVRO_PAYLOAD_FIELD).isTextual();
  }

  private static Object readRecord(JsonNode node, Schema schema, String path) {
    if (!node.isObject()) {
      throw mismatch(path, "a JSON object", node);
    }
    IndexedRecord record = (IndexedRecord) SpecificData.getForSchema(schema).newRecord(null, schema);
    for (Schema.Field f : schema.getFields()) {
      JsonNode v = node.get(f.name());
      String at = path + "." + f.name();
      if (v == null) {
        if (!f.hasDefaultValue()) {
          throw new IllegalArgumentException("cannot read a " + schema.getName() + ": field \"" + at + "\" is missing (it has no default)");
        }
        record.put(f.pos(), SpecificData.getForSchema(schema).getDefaultValue(f));
      } else {
        record.put(f.pos(), readValue(v, f.schema(), at));
      }
    }
    return record;
  }

  private static Object readValue(JsonNode v, Schema s, String path) {
    switch (s.getType()) {
      case NULL -> {
        if (!v.isNull()) {
          throw mismatch(path, "null", v);
        }
        return null;
      }
      case BOOLEAN -> {
        if (!v.isBoolean()) {
          throw mismatch(path, "true or false", v);
        }
        return v.booleanValue();
      }
      case INT -> {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
          throw mismatch(path, "a whole number (int)", v);
        }
        return v.intValue();
      }
      case LONG -> {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
          throw mismatch(path, "a whole number (long)", v);
        }
        return v.longValue();
      }
      case FLOAT -> {
        if (!v.isNumber()) {
          throw mismatch(path, "a number", v);
        }
        return v.floatValue();
      }
      case DOUBLE -> {
        if (!v.isNumber()) {
          throw mismatch(path, "a number", v);
        }
        return v.doubleValue();
      }
      case STRING -> {
        if (!v.isTextual()) {
          throw mismatch(path, "a string", v);
        }
        return v.textValue();
      }
      case ENUM -> {
        if (!v.isTextual()) {
          throw mismatch(path, "a string (one of " + s.getEnumSymbols() + ")", v);
        }
        String symbol = s.hasEnumSymbol(v.textValue()) ? v.textValue() : s.getEnumDefault();
        if (symbol == null) {
          throw mismatch(path, "one of " + s.getEnumSymbols(), v);
        }
        return SpecificData.getForSchema(s).createEnum(symbol, s);
      }
      case BYTES -> {
        return ByteBuffer.wrap(base64(v, path));
      }
      case FIXED -> {
        return new GenericData.Fixed(s, base64(v, path));
      }
      case UNION -> {
        return readUnion(v, s, path);
      }
      case ARRAY -> {
        if (!v.isArray()) {
          throw mismatch(path, "an array", v);
        }
        List<Object> items = new ArrayList<>(v.size());
        int i = 0;
        for (JsonNode item : v) {
          items.add(readValue(item, s.getElementType(), path + "[" + i++ + "]"));
        }
        return items;
      }
      case MAP -> {
        if (!v.isObject()) {
          throw mismatch(path, "a JSON object (a map)", v);
        }
        Map<String, Object> map = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          map.put(e.getKey(), readValue(e.getValue(), s.getValueType(), path + "." + e.getKey()));
        }
        return map;
      }
      case RECORD -> {
        if (s.getFullName().equals(PAYLOAD)) {
          try {
            return payload(v);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field \"" + path + "\": " + e.getMessage(), e);
          }
        }
        return readRecord(v, s, path);
      }
      default -> throw new IllegalStateException("unexpected Avro type " + s.getType());
    }
  }

  private static Object readUnion(JsonNode v, Schema union, String path) {
    List<Schema> branches = union.getTypes();
    if (v.isNull()) {
      for (Schema b : branches) {
        if (b.getType() == Schema.Type.NULL) {
          return null;
        }
      }
      throw mismatch(path, "a value (it may not be null)", v);
    }
    IllegalArgumentException last = null;
    for (Schema b : branches) {
      if (b.getType() == Schema.Type.NULL) {
        continue;
      }
      try {
        return readValue(v, b, path);
      } catch (IllegalArgumentException e) {
        last = e;
      }
    }
    throw last != null ? last : mismatch(path, "null", v);
  }

  private static byte[] base64(JsonNode v, String path) {
    if (!v.isTextual()) {
      throw mismatch(path, "a base64 string", v);
    }
    try {
      return Base64.getDecoder().decode(v.textValue());
    } catch (IllegalArgumentException e) {
      throw mismatch(path, "a base64 string", v);
    }
  }

  private static IllegalArgumentException mismatch(String path, String expected, JsonNode got) {
    String shown = got.toString();
    return new IllegalArgumentException("field \"" + path + "\" must be " + expected + ", got "
        + (shown.length() > 80 ? shown.substring(0, 80) + "..." : shown));
  }

  /** Whether {@code bytes} start, after whitespace, with <code>{</code>: the JSON form. */
  public static boolean looksLikeJson(byte[] bytes) {
    if (bytes == null) {
      return false;
    }
    for (byte b : bytes) {
      if (b == '{') {
        return true;
      }
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    return false;
  }
}
