package io.stepstream.internal.orchestrator;

import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.executor.Execution;
import io.stepstream.internal.executor.EmitTopics;
import io.stepstream.internal.executor.ExecutionListener;
import io.stepstream.internal.executor.ExecutionRequest;
import io.stepstream.internal.executor.ExecutionTelemetry;
import io.stepstream.internal.executor.OutcomePublisher;
import java.time.Clock;
import java.util.concurrent.Executor;

/**
 * Creates executions and hands them to the executor. Two phases so the orchestrator can register an
 * execution as live before it can possibly end (a same-thread executor in tests ends it at once).
 */
public final class ExecutionLauncher {
  private final WorkflowRegistry registry;
  private final OutcomePublisher publisher;
  private final Executor executor;
  private final Clock clock;
  private final ExecutionTelemetry telemetry;
  private int maxParallelStepsPerRun = Execution.DEFAULT_MAX_PARALLEL_STEPS;
  private final EmitTopics emitTopics;
  private io.stepstream.internal.limits.FlowControl flowControl = io.stepstream.internal.limits.FlowControl.NONE;

  public ExecutionLauncher(WorkflowRegistry registry, OutcomePublisher publisher, Executor executor, Clock clock) {
    this(registry, publisher, executor, clock, ExecutionTelemetry.NONE);
  }

  public ExecutionLauncher(WorkflowRegistry registry, OutcomePublisher publisher, Executor executor, Clock clock, ExecutionTelemetry telemetry) {
    this(registry, publisher, executor, clock, telemetry, EmitTopics.none());
  }

  /**
   * With the user topics workflows may emit to: executions refuse others at once, and the
   * orchestrator, which shares this launcher, writes only to these.
   */
  public ExecutionLauncher(
      WorkflowRegistry registry, OutcomePublisher publisher, Executor executor, Clock clock, ExecutionTelemetry telemetry,
      EmitTopics emitTopics) {
    this.emitTopics = emitTopics;
    this.telemetry = telemetry;
    this.registry = registry;
    this.publisher = publisher;
    this.executor = executor;
    this.clock = clock;
  }

  /** Parallel branches one run may have running at once. */
  public ExecutionLauncher maxParallelStepsPerRun(int n) {
    this.maxParallelStepsPerRun = n;
    return this;
  }

  private io.stepstream.internal.streams.StreamWriter streamWriter = io.stepstream.internal.streams.StreamWriter.NONE;

  /** Where step attempts' partial output goes ({@code <prefix>.streams}, docs/streams.md). */
  public ExecutionLauncher streamWriter(io.stepstream.internal.streams.StreamWriter writer) {
    this.streamWriter = writer;
    return this;
  }

  /** The limiters and key budgets executions ask permits of, and the coordinator enforces (ADR 0019). */
  public ExecutionLauncher flowControl(io.stepstream.internal.limits.FlowControl flow) {
    this.flowControl = flow;
    return this;
  }

  public io.stepstream.internal.limits.FlowControl flowControl() {
    return flowControl;
  }

  public WorkflowRegistry registry() {
    return registry;
  }

  public EmitTopics emitTopics() {
    return emitTopics;
  }

  /** @throws IllegalStateException if the type is not registered (checked by the caller first) */
  Execution prepare(ExecutionRequest request, ExecutionListener listener) {
    var registration =
        registry.find(request.workflowType())
            .orElseThrow(() -> new IllegalStateException("unregistered workflow type " + request.workflowType()));
    return new Execution(request, registration, publisher, listener, clock, telemetry, emitTopics, maxParallelStepsPerRun)
        .withStreams(streamWriter).withFlowControl(flowControl);
  }

  void start(Execution execution) {
    executor.execute(execution);
  }
}
