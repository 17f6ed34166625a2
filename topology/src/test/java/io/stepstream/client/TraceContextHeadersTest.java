package io.stepstream.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** WorkflowClient.start puts the caller's current span context on the request (W3C), and nothing without one. */
@Timeout(10)
class TraceContextHeadersTest {

  @Test
  void theCurrentSpanGoesOnTheRequestAsATraceparent() {
    // (a provider without span processors makes no valid spans)
    var processor = SimpleSpanProcessor.create(InMemorySpanExporter.create());
    try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(processor).build()).build()) {
      Span span = sdk.getTracer("app").spanBuilder("handle ticket").startSpan();
      Headers headers = new RecordHeaders();
      try (Scope ignored = span.makeCurrent()) {
        TraceContextHeaders.injectCurrent(headers);
      } finally {
        span.end();
      }

      String traceparent = new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8);
      assertThat(traceparent).isEqualTo("00-" + span.getSpanContext().getTraceId() + "-" + span.getSpanContext().getSpanId() + "-" + span.getSpanContext().getTraceFlags().asHex());
    }
  }

  @Test
  void withoutACurrentSpanTheRequestHasNoTraceHeaders() {
    Headers headers = new RecordHeaders();

    TraceContextHeaders.injectCurrent(headers);

    assertThat(headers.toArray()).isEmpty();
  }
}
