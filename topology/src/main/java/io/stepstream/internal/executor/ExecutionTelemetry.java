package io.stepstream.internal.executor;

/** What executions report to: step and publish timings, and step spans. */
public record ExecutionTelemetry(ExecutorMetrics metrics, StepTracer tracer) {
  /** Nothing measured, no spans (MDC and trace headers work all the same). */
  public static final ExecutionTelemetry NONE = new ExecutionTelemetry(ExecutorMetrics.NONE, StepTracer.NONE);
}
