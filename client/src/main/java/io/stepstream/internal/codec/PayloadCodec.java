package io.stepstream.internal.codec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.stepstream.avro.Payload;
import io.stepstream.avro.PayloadEncoding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns user values into {@link Payload}s and back: Avro generated types as Avro single-object
 * encoding, everything else (records, POJOs, strings, numbers) as JSON through Jackson.
 *
 * <p>JSON is bound strictly, because a lenient binding turns a wrongly shaped value (a typo'd field,
 * the Avro {@code {encoding,data}} wrapper) into a record of nulls and zeros that a step then acts
 * on: an unknown property, a missing or null primitive and a fraction for an integer are errors that
 * name the field. A type that must tolerate removed fields (old journals after a DTO change) opts
 * out with Jackson's {@code @JsonIgnoreProperties(ignoreUnknown = true)}.
 */
public final class PayloadCodec {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final Map<Class<?>, BinaryMessageDecoder<?>> AVRO_DECODERS = new ConcurrentHashMap<>();
  /**
   * Reads JSON from outside (a request's input, a decision's edited value, an event's data) into a
   * tree that keeps every number exactly: {@code 12.50} and {@code 0.1000000000000000055} stay
   * decimals, not doubles, when the tree is written back as the run's input. Binding then decides:
   * a BigDecimal field gets the exact value, an int field refuses a fraction.
   */
  public static com.fasterxml.jackson.databind.JsonNode exactTree(byte[] json) throws IOException {
    return EXACT_READER.readTree(json);
  }

  private static final com.fasterxml.jackson.databind.ObjectReader EXACT_READER =
      json().reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .without(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES); // 12.50 stays 12.50, 100.00 no 1E+2

  private static final io.stepstream.schemas.ReleasedSchemas RELEASED = io.stepstream.schemas.ReleasedSchemas.onClasspath();

  static {
    AvroTrust.ensureInstalled();
  }

  private PayloadCodec() {}

  public static ObjectMapper json() {
    return JSON;
  }

  /** Encodes a value; {@code null} stays {@code null}. */
  public static Payload encode(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof SpecificRecord) {
      return new Payload(PayloadEncoding.AVRO, ByteBuffer.wrap(avroBytes((SpecificRecord) value)), value.getClass().getName(), null);
    }
    try {
      return new Payload(PayloadEncoding.JSON, ByteBuffer.wrap(JSON.writeValueAsBytes(value)), value.getClass().getName(), null);
    } catch (IOException e) {
      throw new PayloadException(
          "cannot encode a " + value.getClass().getName() + " as JSON: " + e.getMessage()
              + " (make it a record/POJO Jackson can serialize, or an Avro generated type)", e);
    }
  }

  /** Wraps raw JSON text (for example the input of a request produced by a console producer). */
  public static Payload rawJson(byte[] json) {
    return new Payload(PayloadEncoding.JSON, ByteBuffer.wrap(json), null, null);
  }

  /**
   * Decodes as a generic type ({@code List<Finding>}); a plain class decodes as {@link
   * #decode(Payload, Class)} does. Avro payloads need a generated class.
   */
  @SuppressWarnings("unchecked")
  public static <T> T decode(Payload payload, java.lang.reflect.Type type) {
    if (type instanceof Class<?> plain) {
      return (T) decode(payload, plain);
    }
    if (payload == null) {
      return null;
    }
    requireInline(payload, type);
    if (payload.getEncoding() == PayloadEncoding.AVRO) {
      throw new PayloadException("cannot decode an AVRO payload as " + type.getTypeName() + ": declare its generated Avro class", null);
    }
    try {
      return JSON.readValue(bytes(payload), JSON.getTypeFactory().constructType(type));
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      throw new PayloadException("cannot decode a JSON payload as " + type.getTypeName() + explain(e), e);
    } catch (IOException | RuntimeException e) {
      throw new PayloadException("cannot decode a JSON payload as " + type.getTypeName() + ": " + e.getMessage(), e);
    }
  }

  public static <T> T decode(Payload payload, Class<T> type) {
    if (payload == null || type == Void.class || type == void.class) {
      return null;
    }
    requireInline(payload, type);
    byte[] bytes = bytes(payload);
    try {
      if (payload.getEncoding() == PayloadEncoding.AVRO) {
        checkAvroBody(bytes, type);
        return type.cast(avroDecoder(type).decode(bytes));
      }
      return JSON.readValue(bytes, type);
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      throw new PayloadException("cannot decode a JSON payload as " + type.getName() + explain(e), e);
    } catch (IOException | RuntimeException e) {
      throw new PayloadException(
          "cannot decode a " + payload.getEncoding() + " payload as " + type.getName() + ": " + e.getMessage(), e);
    }
  }

  /** A claim-checked payload carries no bytes: decoding it before it is resolved must never yield a value. */
  private static void requireInline(Payload payload, java.lang.reflect.Type type) {
    if (payload.getClaimCheck() != null) {
      throw new PayloadException("cannot decode a claim-checked payload (" + payload.getClaimCheck().getSize() + " bytes, sha256 "
          + payload.getClaimCheck().getSha256() + ") as " + type.getTypeName() + " before it is read from " + payload.getClaimCheck().getTopic()
          + " (a bug: the engine resolves references before decoding)", null);
    }
  }

  /** Names the field (as a path: {@code items[2].price}) and the problem, without Jackson's advice to relax its settings. */
  private static String explain(com.fasterxml.jackson.databind.JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (com.fasterxml.jackson.databind.JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    String problem = e.getOriginalMessage();
    if (problem.startsWith("Cannot map `null` into type")) {
      problem = "it is missing or null, but its type is a primitive (send a value, or declare a wrapper type such as Integer)";
    } else {
      problem = problem.replaceAll(" ?\\(set [^)]*to allow\\)", "");
    }
    return (path.length() == 0 ? "" : ": field \"" + path + "\"") + ": " + problem;
  }

  /**
   * Avro allocates what a length in the bytes claims before reading it: check the body fits first
   * (an Avro payload may come from any producer, inside a signal or decision).
   */
  private static void checkAvroBody(byte[] bytes, Class<?> type) {
    Schema schema = SpecificData.get().getSchema(type);
    if (bytes.length > 10 && bytes[0] == (byte) 0xC3 && bytes[1] == (byte) 0x01
        && ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() == org.apache.avro.SchemaNormalization.parsingFingerprint64(schema)) {
      String problem = AvroBodyCheck.problem(schema, bytes, 10);
      if (problem != null) {
        throw new IllegalArgumentException("the Avro body does not decode: " + problem);
      }
    }
  }

  public static byte[] bytes(Payload payload) {
    ByteBuffer data = payload.getData().duplicate();
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    return bytes;
  }

  /** Renders a payload as text for logs, the CLI and errors (JSON as is, Avro via its toString). */
  public static String describe(Payload payload) {
    if (payload == null) {
      return "null";
    }
    if (payload.getEncoding() == PayloadEncoding.JSON && payload.getClaimCheck() == null) {
      return new String(bytes(payload), java.nio.charset.StandardCharsets.UTF_8);
    }
    if (payload.getClaimCheck() != null) {
      return "<claim-checked " + payload.getEncoding() + " value, " + payload.getClaimCheck().getSize() + " bytes, sha256 "
          + payload.getClaimCheck().getSha256() + ">";
    }
    return "<avro " + payload.getJavaType() + ", " + payload.getData().remaining() + " bytes>";
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static byte[] avroBytes(SpecificRecord record) {
    Schema schema = record.getSchema();
    BinaryMessageEncoder encoder = new BinaryMessageEncoder<>(SpecificData.getForSchema(schema), schema);
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      encoder.encode(record, out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new PayloadException("cannot encode Avro " + schema.getFullName() + ": " + e.getMessage(), e);
    }
  }

  private static BinaryMessageDecoder<?> avroDecoder(Class<?> type) {
    AvroTrust.trust(type);
    return AVRO_DECODERS.computeIfAbsent(
        type,
        t -> {
          Schema schema = SpecificData.get().getSchema(t);
          BinaryMessageDecoder<?> decoder = new BinaryMessageDecoder<>(SpecificData.getForClass(t), schema);
          // the product's own envelopes journaled as values (an approval wait holds its ApprovalRequest) may
          // have been written by a released version whose schema differs: decode those too
          long current = io.stepstream.schemas.ReleasedSchemas.fingerprint(schema);
          RELEASED.writerSchemasOf(schema.getFullName()).stream()
              .filter(s -> io.stepstream.schemas.ReleasedSchemas.fingerprint(s) != current)
              .forEach(decoder::addSchema);
          return decoder;
        });
  }

  /** A value that cannot be encoded or decoded; the message says which type and why. */
  public static final class PayloadException extends RuntimeException {
    public PayloadException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
