package io.stepstream.internal.codec;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Headers of a record re-produced from the DLQ ("redriven", ADR 0016): the client's {@code
 * DeadLetters} writes them, the engine reads them and audits {@code RECORD_REDRIVEN} when it
 * processes the record. A marker record on the DLQ itself ({@link #MARKER}) says a dead letter was
 * redriven, so listings can show it.
 */
public final class RedriveHeaders {
  /** On the redriven record: the dead letter's coordinates, {@code <dlq topic>-<partition>@<offset>}. */
  public static final String FROM = "stepstream.redrive.from";
  /** On the redriven record and the marker: who redrove it. */
  public static final String BY = "stepstream.redrive.by";
  /** On a marker record in the DLQ (no value): the dead letter it marks as redriven, {@code <partition>@<offset>}. */
  public static final String MARKER = "stepstream.redrive.marker";

  private RedriveHeaders() {}

  /** Adds one of these headers, UTF-8. */
  public static void add(Headers headers, String name, String value) {
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  /** The header's value as UTF-8 text, or null. */
  public static String text(Headers headers, String name) {
    Header h = headers == null ? null : headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
