package io.stepstream.internal.connect;

import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.client.WireFormat;
import io.stepstream.internal.codec.EnvelopeReader;
import io.stepstream.internal.codec.JsonEnvelopes;
import io.stepstream.internal.codec.SchemaIds;
import io.stepstream.internal.codec.WireCodec;
import io.stepstream.internal.codec.registry.SchemaRegistryException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * Reads the engine's records in any of its three wire formats, with the client's reader (the one {@code
 * WorkflowClient} reads results and approval requests with), told apart by the first byte: {@code C3 01} Avro single
 * object, {@code 00} and a schema id (the schema-registry wire format, looked up once per id in the registry the
 * connector's {@code schema.registry.url} names), <code>{</code> JSON.
 *
 * <pre>{@code
 * RecordDecoder decoder = RecordDecoder.create(config.registryProperties());
 * ApprovalRequest request = decoder.approvalRequest(record.value()); // whichever format the engine writes
 * }</pre>
 *
 * <p>What a failure means for the record: {@link UndeliverableException} (it will never decode: the errant record
 * reporter), {@link RegistryUnanswered} (the registry did not answer: try again later), {@link ConnectException}
 * (the registry refused the connector's credentials: every such record would fail alike, so the task stops).
 */
final class RecordDecoder implements AutoCloseable {
  /** The registry did not answer (or answered something unexpected): the same record may decode later. */
  static final class RegistryUnanswered extends RuntimeException {
    RegistryUnanswered(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final WireCodec wire;

  private RecordDecoder(WireCodec wire) {
    this.wire = wire;
  }

  /**
   * A decoder that reads registry-framed records when {@code registryProperties} name a registry.
   *
   * @throws IllegalArgumentException naming the setting when a registry setting is invalid
   */
  static RecordDecoder create(Map<String, ?> registryProperties) {
    // the format is what the codec would write; this decoder only reads
    return new RecordDecoder(WireCodec.create(WireFormat.AVRO_SINGLE_OBJECT, registryProperties));
  }

  ApprovalRequest approvalRequest(byte[] value) {
    return read(value, ApprovalRequest.getClassSchema(), "approval request");
  }

  WorkflowResult result(byte[] value) {
    return read(value, WorkflowResult.getClassSchema(), "result");
  }

  private <T extends org.apache.avro.specific.SpecificRecord> T read(byte[] value, Schema schema, String what) {
    if (value == null || value.length == 0) {
      throw new UndeliverableException("the record has no value, so there is no " + what + " to deliver");
    }
    boolean registryFramed = EnvelopeReader.isRegistryFramed(value);
    if (registryFramed && wire.registryUrl() == null) {
      throw new UndeliverableException("the " + what + " is in the schema-registry wire format (magic byte 0, schema id "
          + schemaId(value) + "), and the connector has no " + WireFormat.REGISTRY_URL + ": set it (and the registry's"
          + " credentials, basic.auth.user.info or bearer.auth.token) in the connector's configuration to read such records");
    }
    try {
      return wire.reader().read(value, schema);
    } catch (SchemaIds.RegistryUnavailableException e) {
      throw new RegistryUnanswered("the schema registry at " + wire.registryUrl() + " did not answer when looking up schema id "
          + schemaId(value) + " of the " + what + " (" + e.getMessage() + ")", e);
    } catch (SchemaRegistryException e) {
      if (e.kind() == SchemaRegistryException.Kind.NOT_AUTHORIZED) {
        throw new ConnectException("the schema registry at " + wire.registryUrl() + " refused to look up schema id " + schemaId(value)
            + " of the " + what + ": " + e.getMessage() + ". Every record in the registry wire format would fail alike, so the task"
            + " stops: fix the registry credentials in the connector's configuration (basic.auth.user.info, bearer.auth.token)"
            + " or the registry's permissions, then restart the task; its offsets were not committed", e);
      }
      throw new RegistryUnanswered("the schema registry at " + wire.registryUrl() + " answered the lookup of schema id "
          + schemaId(value) + " of the " + what + " with an error (" + e.getMessage() + ")", e);
    } catch (IllegalArgumentException e) {
      String format = registryFramed ? "schema-registry wire format"
          : value[0] == (byte) 0xC3 ? "Avro single-object encoding"
          : JsonEnvelopes.looksLikeJson(value) ? "JSON" : null;
      if (format == null) {
        throw new UndeliverableException("the " + what + " is in none of the engine's wire formats (it starts with neither C3 01,"
            + " 00 and a schema id, nor {): was it written by the engine?");
      }
      throw new UndeliverableException("the " + what + " (" + format + ") does not decode: " + e.getMessage());
    }
  }

  /** The registry's URL(s), or null without one. */
  String registryUrl() {
    return wire.registryUrl();
  }

  private static int schemaId(byte[] value) {
    return ByteBuffer.wrap(value, 1, 4).getInt();
  }

  @Override
  public void close() {
    wire.close();
  }
}
