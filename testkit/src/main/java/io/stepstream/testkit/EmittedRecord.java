package io.stepstream.testkit;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A record a workflow emitted to one of its declared topics ({@code ctx.emit}, {@code
 * StepContext.emit}), as a consumer of that topic reads it.
 *
 * <pre>{@code
 * assertThat(env.emitted("quotes")).extracting(EmittedRecord::valueText).containsExactly("{\"total\":42}");
 * }</pre>
 *
 * @param key the record key (null: none)
 * @param value the value's bytes (null: a tombstone)
 * @param headers the record's headers, {@code stepstream.run-id} and {@code stepstream.emit} included
 */
public record EmittedRecord(String key, byte[] value, Map<String, String> headers) {

  /** The value as UTF-8 text (JSON for records and POJOs). */
  public String valueText() {
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  /** The run that emitted it. */
  public String runId() {
    return headers.get("stepstream.run-id");
  }
}
