package io.stepstream.internal.connect;

import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.Envelopes;
import java.util.function.Function;

/**
 * Reads the engine's records with the client's codec. It is the one place that knows the wire formats: today the
 * codec reads Avro single-object records (magic {@code C3 01}); records in the JSON or schema-registry wire formats
 * are refused with a reason (they go to the dead-letter topic) until the client's readers accept them.
 */
final class EnvelopeReader {
  private EnvelopeReader() {}

  static ApprovalRequest approvalRequest(byte[] value) {
    return read(value, Envelopes::approvalRequest, "approval request");
  }

  static WorkflowResult result(byte[] value) {
    return read(value, Envelopes::result, "result");
  }

  private static <T> T read(byte[] value, Function<byte[], T> decode, String what) {
    if (value == null || value.length == 0) {
      throw new UndeliverableException("the record has no value, so there is no " + what + " to deliver");
    }
    if (Envelopes.looksLikeAvro(value)) {
      try {
        return decode.apply(value);
      } catch (RuntimeException e) {
        throw new UndeliverableException("the " + what + " does not decode: " + e.getMessage());
      }
    }
    String format = value[0] == '{' ? "JSON (the engine's JSON wire format)"
        : value[0] == 0 ? "in the schema-registry wire format (magic byte 0 and a schema id)"
        : null;
    if (format == null) {
      throw new UndeliverableException("the " + what + " is neither Avro single-object encoded (it does not start with C3 01)"
          + " nor JSON: was it written by the engine?");
    }
    throw new UndeliverableException("the " + what + " is " + format + ", which this connector's codec does not read yet;"
        + " it reads Avro single-object records (the engine's default wire format)");
  }
}
