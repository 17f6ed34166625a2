package io.stepstream.internal.executor;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.stepstream.StepFunction;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One OpenTelemetry span per step attempt, a child of the run's trace context (the request's
 * {@code traceparent}), current while the step's code runs, so the spans of the HTTP or LLM
 * clients the step calls nest under it. Only with an SDK: the application's {@link
 * GlobalOpenTelemetry} once it is set, or the one given to the engine. Without one, nothing is
 * created and only the trace headers travel ({@link TraceHeaders}).
 *
 * <p>Span name {@code step <name>}; attributes {@code stepstream.run_id}, {@code
 * stepstream.workflow_type}, {@code stepstream.step}, {@code stepstream.attempt}. A run whose
 * request had no trace context gets a new trace per step attempt.
 */
public final class StepTracer {
  public static final String INSTRUMENTATION = "io.stepstream";
  /** No spans (tests, and engines told not to trace). */
  public static final StepTracer NONE = new StepTracer(() -> null);

  private static final TextMapGetter<Map<String, String>> MAP_GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StepTracer.class);
  private final Supplier<OpenTelemetry> openTelemetry;
  private volatile boolean warned;

  private StepTracer(Supplier<OpenTelemetry> openTelemetry) {
    this.openTelemetry = openTelemetry;
  }

  /**
   * The application's global OpenTelemetry, looked up at every attempt, so an SDK registered after
   * the engine started is used too; never registers a no-op one itself (that would make the
   * application's own {@code GlobalOpenTelemetry.set} fail).
   */
  public static StepTracer global() {
    try {
      GlobalOpenTelemetry.isSet();
    } catch (LinkageError e) {
      // an opentelemetry-api older than the engine's won the dependency resolution: trace headers only
      LOG.warn("no step spans: the opentelemetry-api on the classpath is older than {} needs ({})", INSTRUMENTATION, e.toString());
      return NONE;
    }
    return new StepTracer(() -> GlobalOpenTelemetry.isSet() ? GlobalOpenTelemetry.get() : null);
  }

  public static StepTracer of(OpenTelemetry openTelemetry) {
    return new StepTracer(() -> openTelemetry);
  }

  /** {@code fn}, run inside a span and the step's {@link LogContext} on whichever thread runs it. */
  <T> StepFunction<T> around(ExecutionRequest request, String step, int attempt, StepFunction<T> fn) {
    return context -> {
      try (LogContext log = LogContext.step(request.runId(), request.workflowType(), step)) {
        Span span = startQuietly(request, step, attempt);
        if (span == null) {
          return fn.apply(context);
        }
        try (Scope current = span.makeCurrent()) {
          return fn.apply(context);
        } catch (Throwable e) {
          span.recordException(e);
          span.setStatus(StatusCode.ERROR, e.getClass().getName());
          throw e;
        } finally {
          span.end();
        }
      }
    };
  }

  /** Tracing must never fail a step: a span that cannot be made is logged and skipped. */
  private Span startQuietly(ExecutionRequest request, String step, int attempt) {
    try {
      return start(request, step, attempt);
    } catch (RuntimeException | LinkageError e) {
      if (!warned) {
        warned = true;
        LOG.warn("could not start a span for step '{}' of run {}; steps run without spans: {}", step, request.runId(), e.toString());
      }
      return null;
    }
  }

  private Span start(ExecutionRequest request, String step, int attempt) {
    OpenTelemetry otel = openTelemetry.get();
    if (otel == null) {
      return null;
    }
    return otel.getTracer(INSTRUMENTATION)
        .spanBuilder("step " + step)
        .setParent(parentOf(request.traceHeaders()))
        .setSpanKind(SpanKind.INTERNAL)
        .setAttribute("stepstream.run_id", request.runId())
        .setAttribute("stepstream.workflow_type", request.workflowType())
        .setAttribute("stepstream.step", step)
        .setAttribute("stepstream.attempt", attempt)
        .startSpan();
  }

  /** The run's context from its stored W3C headers; the root context (a new trace) without them. */
  static Context parentOf(Map<String, String> traceHeaders) {
    if (traceHeaders == null || traceHeaders.isEmpty()) {
      return Context.root();
    }
    return W3CTraceContextPropagator.getInstance().extract(Context.root(), traceHeaders, MAP_GETTER);
  }
}
