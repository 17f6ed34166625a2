package io.stepstream.client;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * Puts the caller's current OpenTelemetry trace context on a request as W3C {@code traceparent} /
 * {@code tracestate} headers, so the run's results, events and step spans belong to the caller's
 * trace. W3C format always (the engine reads nothing else), whatever propagators the application
 * configured; nothing when there is no valid current span (no SDK, or no span open).
 */
final class TraceContextHeaders {
  private static final TextMapSetter<Headers> SETTER =
      (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
      };

  private TraceContextHeaders() {}

  static void injectCurrent(Headers headers) {
    try {
      Context current = Context.current();
      if (Span.fromContext(current).getSpanContext().isValid()) {
        W3CTraceContextPropagator.getInstance().inject(current, headers, SETTER);
      }
    } catch (RuntimeException e) {
      // a broken context storage must not stop a run from starting; the run just has no trace context
      org.slf4j.LoggerFactory.getLogger(TraceContextHeaders.class).debug("no trace context on the request: {}", e.toString());
    }
  }
}
