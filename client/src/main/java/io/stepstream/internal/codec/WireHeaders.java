package io.stepstream.internal.codec;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The headers of a JSON-encoded record: which envelope it is, and which version of its schema wrote
 * it (the CRC-64-AVRO fingerprint single-object encoding carries, as 16 lowercase hex digits).
 */
public final class WireHeaders {
  /** The Avro full name, e.g. {@code io.stepstream.avro.WorkflowResult}. */
  public static final String SCHEMA = "stepstream.schema";
  /** CRC-64-AVRO of the writer schema's parsing canonical form, 16 lowercase hex digits. */
  public static final String FINGERPRINT = "stepstream.schema.fingerprint";

  private final Header schema;
  private final Header fingerprint;

  private WireHeaders(Schema writer) {
    this.schema = new RecordHeader(SCHEMA, writer.getFullName().getBytes(StandardCharsets.UTF_8));
    this.fingerprint = new RecordHeader(FINGERPRINT, hex(writer).getBytes(StandardCharsets.UTF_8));
  }

  /** The two headers of records written with {@code writer}, made once. */
  static WireHeaders of(Schema writer) {
    return new WireHeaders(writer);
  }

  void addTo(Headers headers) {
    headers.add(schema);
    headers.add(fingerprint);
  }

  /** The fingerprint as the header carries it. */
  public static String hex(Schema writer) {
    return HexFormat.of().toHexDigits(SchemaNormalization.parsingFingerprint64(writer));
  }
}
