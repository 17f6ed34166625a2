package io.stepstream.internal.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.stepstream.RetryPolicy;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** With an OpenTelemetry SDK, every step attempt is a span under the request's span, and the step's own client spans nest under it. */
@Timeout(30)
class StepSpansTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
  private final Tracer appTracer = sdk.getTracer("the-application");

  @AfterEach
  void close() {
    sdk.close();
  }

  @Test
  void stepSpansAreChildrenOfTheRequestsSpanAndCurrentWhileTheStepRuns() {
    Span request = appTracer.spanBuilder("POST /tickets").startSpan();
    Map<String, String> traceHeaders = new HashMap<>();
    W3CTraceContextPropagator.getInstance().inject(Context.root().with(request), traceHeaders, Map::put);
    request.end();
    Workflow<String, String> wf = (ctx, in) -> {
      String category = ctx.step("classify", String.class, s -> llmCall("classify " + in));
      // a step with a timeout runs on an attempt thread: its span must be current there too
      return ctx.step("reply", String.class, StepOptions.defaults().withStartToCloseTimeout(Duration.ofSeconds(5)), s -> llmCall("reply " + category));
    };

    new ExecutionFixture().telemetry(new ExecutionTelemetry(ExecutorMetrics.NONE, StepTracer.of(sdk))).traceHeaders(traceHeaders)
        .run(String.class, wf, PayloadCodec.encode("ticket"), Map.of());

    SpanContext requestContext = request.getSpanContext();
    SpanData classify = span("step classify");
    SpanData reply = span("step reply");
    for (SpanData step : List.of(classify, reply)) {
      assertThat(step.getTraceId()).isEqualTo(requestContext.getTraceId());
      assertThat(step.getParentSpanId()).as("parent of %s", step.getName()).isEqualTo(requestContext.getSpanId());
      assertThat(step.getAttributes().asMap().toString()).contains("stepstream.run_id=run-1", "stepstream.workflow_type=wf", "stepstream.attempt=1");
    }
    assertThat(span("llm classify ticket").getParentSpanId()).isEqualTo(classify.getSpanId());
    assertThat(span("llm reply llm-result").getParentSpanId()).isEqualTo(reply.getSpanId());
  }

  @Test
  void aFailedAttemptIsAnErrorSpanWithTheException() {
    Workflow<String, String> wf = (ctx, in) -> ctx.step("call", String.class, s -> {
      throw new IllegalStateException("503 from the model");
    });

    new ExecutionFixture().retry(RetryPolicy.noRetries()).telemetry(new ExecutionTelemetry(ExecutorMetrics.NONE, StepTracer.of(sdk)))
        .run(String.class, wf, PayloadCodec.encode("x"), Map.of());

    SpanData call = span("step call");
    assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(call.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
    assertThat(call.getParentSpanContext().isValid()).as("no request context: a trace of its own").isFalse();
  }

  @Test
  void withoutAnSdkNoSpanIsCurrentInTheStep() {
    Span[] inStep = new Span[1];
    Workflow<String, String> wf = (ctx, in) -> ctx.step("call", String.class, s -> {
      inStep[0] = Span.current();
      return "ok";
    });

    new ExecutionFixture().telemetry(new ExecutionTelemetry(ExecutorMetrics.NONE, StepTracer.NONE))
        .traceHeaders(Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        .run(String.class, wf, PayloadCodec.encode("x"), Map.of());

    assertThat(inStep[0].getSpanContext().isValid()).isFalse();
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
  }

  /** What an instrumented HTTP/LLM client does: a span under whatever is current. */
  private String llmCall(String prompt) {
    Span span = appTracer.spanBuilder("llm " + prompt).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return "llm-result";
    } finally {
      span.end();
    }
  }

  private SpanData span(String name) {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " among " + exporter.getFinishedSpanItems().stream().map(SpanData::getName).toList()));
  }
}
