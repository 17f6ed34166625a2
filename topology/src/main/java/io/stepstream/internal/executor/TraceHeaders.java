package io.stepstream.internal.executor;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The W3C trace context of a run: the {@code traceparent} and {@code tracestate} headers of the
 * request that started it. Kept in the run's state (so it survives restarts) and copied onto every
 * record the run produces, so the trace a caller started goes on through the engine.
 *
 * <p>The headers come from whoever wrote the request and end up on every record of the run, so
 * only a well-formed {@code traceparent} (and a {@code tracestate} of at most 512 characters, the
 * specification's limit) is kept; anything else is dropped as if there were none.
 */
public final class TraceHeaders {
  public static final String TRACEPARENT = "traceparent";
  public static final String TRACESTATE = "tracestate";
  private static final int MAX_TRACESTATE_CHARS = 512;
  // version-traceid-parentid-flags; later versions may append fields after a '-'
  private static final Pattern TRACEPARENT_FORM = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[^\\s]{0,200})?");

  private TraceHeaders() {}

  /** The trace context of a record's headers, or null when it carries no valid {@code traceparent}. */
  public static Map<String, String> from(Headers headers) {
    if (headers == null) {
      return null;
    }
    String parent = last(headers, TRACEPARENT);
    if (parent == null || !TRACEPARENT_FORM.matcher(parent).matches() || parent.startsWith("ff")) {
      return null;
    }
    Map<String, String> trace = new HashMap<>(2);
    trace.put(TRACEPARENT, parent);
    String state = last(headers, TRACESTATE);
    if (state != null && !state.isBlank() && state.length() <= MAX_TRACESTATE_CHARS) {
      trace.put(TRACESTATE, state);
    }
    return trace;
  }

  /** Adds the run's trace context (if any) to a record's headers, replacing what was there. */
  public static void addTo(Map<String, String> trace, Headers headers) {
    if (trace == null || trace.get(TRACEPARENT) == null) {
      return;
    }
    headers.remove(TRACEPARENT);
    headers.remove(TRACESTATE);
    headers.add(TRACEPARENT, trace.get(TRACEPARENT).getBytes(StandardCharsets.UTF_8));
    if (trace.get(TRACESTATE) != null) {
      headers.add(TRACESTATE, trace.get(TRACESTATE).getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String last(Headers headers, String key) {
    Header header = headers.lastHeader(key);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8).trim();
  }
}
