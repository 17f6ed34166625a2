package io.stepstream.internal.codec;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.Headers;

/**
 * Encodes the records of one envelope type for one topic in one {@link io.stepstream.client.WireFormat}
 * (made by {@link WireCodec#encoder}). Everything that can be worked out once (schema id, header
 * bytes, field names) is, so encoding a record costs no lookup.
 *
 * <pre>{@code
 * EnvelopeEncoder<WorkflowResult> results = wire.encoder(topics.results(), WorkflowResult.class);
 * Headers headers = new RecordHeaders();
 * byte[] value = results.encode(result, headers);   // JSON mode: headers now name the schema
 * }</pre>
 */
public interface EnvelopeEncoder<T extends SpecificRecordBase> {
  /** The record's value; adds the format's headers (if it has any) to {@code headers}. */
  byte[] encode(T record, Headers headers);

  /**
   * Does now whatever would otherwise happen on the first record (a registry registers the schema):
   * so that an engine fails at start, not on its first result, and the hot path makes no call.
   */
  default void prepare() {}
}
