package io.stepstream.internal.codec;

import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.client.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads an envelope in any of the three wire formats, told apart by its first byte: {@code C3 01}
 * Avro single object, {@code 00} + 4-byte big-endian schema id (the Confluent schema-registry wire
 * format), <code>{</code> JSON. What the engine writes to public topics ({@link #result}, {@link
 * #auditEvent}, ...) is read here; the engine's inputs go through {@link RequestDecoder} and
 * {@link ExternalInputDecoder}, which use {@link #registryInput} for the registry form.
 *
 * <pre>{@code
 * EnvelopeReader reader = wire.reader();
 * WorkflowResult result = reader.result(record.value());   // whichever format the engine wrote
 * }</pre>
 *
 * <p>A registry-framed record needs a registry ({@code schema.registry.url} in the Kafka
 * properties): its schema is looked up by id once and cached, and its body is read with that writer
 * schema resolved to the current one (Avro's schema resolution), like a single-object record.
 */
public final class EnvelopeReader {
  static {
    AvroTrust.ensureInstalled(); // the generated envelope classes are instantiated here
  }

  /** The dead-letter reason of an input whose schema id could not be looked up because the registry did not answer: re-produce it later. */
  public static final String REGISTRY_UNAVAILABLE = "SCHEMA_REGISTRY_UNAVAILABLE";

  /** Bytes before the Avro body in the registry wire format: magic byte 0 and the 4-byte schema id. */
  static final int REGISTRY_HEADER = 5;

  private static final EnvelopeReader WITHOUT_REGISTRY = new EnvelopeReader(null);

  private final SchemaIds registry;
  /** Writer schemas by id: an id is looked up once, so a registry outage costs nothing for ids seen before. */
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
  private final Map<ResolvedKey, SpecificDatumReader<?>> readers = new ConcurrentHashMap<>();

  private record ResolvedKey(int id, String readerType) {}

  /**
   * After the registry failed to answer an input's lookup, unseen ids are dead-lettered at once for
   * this long: each lookup may block a stream thread for its timeouts, and a few in a row inside one
   * transaction would outlast the broker's transaction timeout and get the task fenced (ADR 0009).
   */
  public static final long OUTAGE_MEMORY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

  private final java.util.function.LongSupplier nanoTime;
  /** {@link #nanoTime} before which the registry is taken to be down (0: not known to be down). */
  private volatile long registryDownUntil;
  private volatile String registryDownBecause = "";

  EnvelopeReader(SchemaIds registry) {
    this(registry, System::nanoTime);
  }

  EnvelopeReader(SchemaIds registry, java.util.function.LongSupplier nanoTime) {
    this.registry = registry;
    this.nanoTime = nanoTime;
  }

  /** Reads single-object and JSON records; registry-framed ones are refused with a message saying to configure a registry. */
  public static EnvelopeReader withoutRegistry() {
    return WITHOUT_REGISTRY;
  }

  public WorkflowResult result(byte[] bytes) {
    return read(bytes, WorkflowResult.getClassSchema());
  }

  public AuditEvent auditEvent(byte[] bytes) {
    return read(bytes, AuditEvent.getClassSchema());
  }

  public ApprovalRequest approvalRequest(byte[] bytes) {
    return read(bytes, ApprovalRequest.getClassSchema());
  }

  public DeadLetter deadLetter(byte[] bytes) {
    return read(bytes, DeadLetter.getClassSchema());
  }

  /**
   * Reads one of the envelopes the engine writes to public topics.
   *
   * @throws IllegalArgumentException if the bytes are none of the three forms of that envelope
   * @throws SchemaIds.RegistryUnavailableException if the registry is needed and does not answer
   */
  public <T extends SpecificRecord> T read(byte[] bytes, Schema expected) {
    if (Envelopes.looksLikeAvro(bytes)) {
      return Envelopes.decodeOutput(expected, bytes);
    }
    if (isRegistryFramed(bytes)) {
      Schema writer = writerSchema(bytes, expected.getName());
      if (!writer.getFullName().equals(expected.getFullName())) {
        throw new IllegalArgumentException("cannot decode a " + expected.getName() + ": schema id " + schemaId(bytes)
            + " is a " + writer.getFullName());
      }
      String problem = AvroBodyCheck.problem(writer, bytes, REGISTRY_HEADER);
      if (problem != null) {
        throw new IllegalArgumentException("cannot decode a " + expected.getName() + ": " + problem);
      }
      return decodeRegistryBody(bytes, writer, expected);
    }
    if (JsonEnvelopes.looksLikeJson(bytes)) {
      return JsonEnvelopes.read(bytes, expected);
    }
    throw new IllegalArgumentException("cannot decode a " + expected.getName() + ": it is neither Avro single-object (C3 01),"
        + " the schema-registry wire format (00 and a schema id) nor JSON ({...})");
  }

  /** {@code 00} and a 4-byte schema id (JSON never starts with a zero byte, single-object encoding starts with C3). */
  public static boolean isRegistryFramed(byte[] bytes) {
    return bytes != null && bytes.length >= REGISTRY_HEADER && bytes[0] == 0;
  }

  static int schemaId(byte[] bytes) {
    return ByteBuffer.wrap(bytes, 1, 4).getInt();
  }

  /** The writer schema of a registry-framed record (cached by id). */
  private Schema writerSchema(byte[] bytes, String what) {
    int id = schemaId(bytes);
    if (registry == null) {
      throw new IllegalArgumentException("cannot decode a " + what + ": it is in the schema-registry wire format (schema id " + id
          + "), and no registry is configured: set " + WireFormat.REGISTRY_URL + " in the Kafka properties");
    }
    return schemaById(id);
  }

  private Schema schemaById(int id) {
    Schema known = schemas.get(id);
    if (known != null) {
      return known;
    }
    Schema fetched = registry.schemaById(id);
    schemas.put(id, fetched);
    return fetched;
  }

  @SuppressWarnings("unchecked")
  private <T> T decodeRegistryBody(byte[] bytes, Schema writer, Schema expected) {
    SpecificDatumReader<T> reader = (SpecificDatumReader<T>) readers.computeIfAbsent(
        new ResolvedKey(schemaId(bytes), expected.getFullName()),
        k -> new SpecificDatumReader<>(writer, expected, SpecificData.getForSchema(expected)));
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, REGISTRY_HEADER, bytes.length - REGISTRY_HEADER, null);
    try {
      synchronized (reader) { // Avro's datum readers keep per-instance caches that are not thread-safe
        return reader.read(null, decoder);
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot decode a " + expected.getName() + " (schema id " + schemaId(bytes) + "): " + e.getMessage(), e);
    }
  }

  // ---- engine inputs (requests, commands, decisions, signals) ----

  /**
   * The writer schema of a registry-framed input record. Every failure is the producer's or the
   * registry's, never the engine's: an {@link InvalidInputException} (to the DLQ) with {@code code},
   * or with {@link #REGISTRY_UNAVAILABLE} when the registry did not answer (the record is fine: re-produce
   * it from the DLQ once the registry is back).
   */
  Schema registryInputSchema(byte[] bytes, String code) {
    int id = schemaId(bytes);
    if (registry == null) {
      throw new InvalidInputException(code, "the record is in the schema-registry wire format (magic byte 0, schema id " + id
          + "), but this engine has no " + WireFormat.REGISTRY_URL + " in its Kafka properties: set it, then re-produce the record"
          + " from the DLQ (or produce single-object Avro or JSON)");
    }
    Schema known = schemas.get(id);
    if (known != null) {
      return known;
    }
    if (registryDownUntil != 0 && nanoTime.getAsLong() - registryDownUntil < 0) {
      throw registryUnavailable(id, registryDownBecause + ", less than " + OUTAGE_MEMORY_NANOS / 1_000_000_000L
          + " s ago, so it was not asked again");
    }
    try {
      Schema fetched = schemaById(id);
      registryDownUntil = 0;
      return fetched;
    } catch (SchemaIds.RegistryUnavailableException e) {
      registryDownBecause = String.valueOf(e.getMessage());
      registryDownUntil = nanoTime.getAsLong() + OUTAGE_MEMORY_NANOS;
      throw registryUnavailable(id, e.getMessage());
    } catch (RuntimeException e) {
      throw new InvalidInputException(code, "the record's schema id " + id + " is not known to the schema registry at "
          + registry.url() + " (" + e.getMessage() + "); the producer registered its schema elsewhere?");
    }
  }

  private InvalidInputException registryUnavailable(int id, String why) {
    return new InvalidInputException(REGISTRY_UNAVAILABLE, "the record's schema id " + id + " could not be looked up: the schema registry at "
        + registry.url() + " did not answer (" + why + "); the record itself may be fine: re-produce it from the DLQ"
        + " (its value is kept unchanged) once the registry is reachable");
  }

  /** Decodes a registry-framed input whose writer schema ({@link #registryInputSchema}) is an {@code expected}. */
  <T> T registryInput(byte[] bytes, Schema writer, Schema expected, String code) {
    if (!writer.getFullName().equals(expected.getFullName())) {
      throw new InvalidInputException(code, "the record's schema id " + schemaId(bytes) + " is a " + writer.getFullName()
          + ", not a " + expected.getFullName() + " (written to the wrong topic?)");
    }
    String problem = AvroBodyCheck.problem(writer, bytes, REGISTRY_HEADER);
    if (problem != null) {
      throw new InvalidInputException(code, "the record is registry-framed with the schema of a " + expected.getName()
          + " (id " + schemaId(bytes) + "), but its body does not decode (" + problem + "); fix the producer and re-produce the record");
    }
    try {
      return decodeRegistryBody(bytes, writer, expected);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(code, e.getMessage());
    }
  }
}
