package io.stepstream.internal.executor;

import io.stepstream.NonDeterminismException;
import io.stepstream.RunCancelledException;
import io.stepstream.StepFailedException;
import io.stepstream.UndecodableJournalException;
import io.stepstream.Workflow;
import io.stepstream.WorkflowFailure;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.internal.codec.PayloadValue;
import io.stepstream.avro.RunCompletion;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.engine.WorkflowRegistry.Registration;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.PayloadCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of a run's workflow code on an executor thread: replays the journal, executes the steps
 * that are missing, and publishes a completion when the code returns, throws, waits (retry backoff,
 * sleep) or is found non-deterministic. Identified by its execution id; the orchestrator applies
 * only outcomes of the run's current execution.
 *
 * <p>Whatever the workflow code throws, {@link Error}s and other {@link Throwable}s included, ends
 * in a completion: an execution that ended without one is dispatched again by the orchestrator, so
 * an error that escaped would loop. Only the engine's own unwinding ({@link Suspension}, {@link
 * ExecutionAbandoned}) and failures to publish end it without one.
 *
 * <p>Outcomes, in order of precedence: parked (the code no longer matches the journal, or a
 * journaled value no longer decodes: nothing runs, no compensation; whatever the code made of the
 * exception), cancelled, failed (after compensation), completed.
 */
public final class Execution implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Execution.class);
  private static final int MAX_STACK_CHARS = 4000;
  /** Error type of a run whose input never decoded as the workflow's input type. */
  static final String INVALID_INPUT = "INVALID_INPUT";
  /** Parallel branches per run unless the engine says otherwise. */
  public static final int DEFAULT_MAX_PARALLEL_STEPS = ReplayContext.DEFAULT_MAX_PARALLEL_STEPS;

  private final ExecutionRequest request;
  private final Registration<?, ?> workflow;
  private final OutcomePublisher publisher;
  private final ExecutionListener listener;
  private final Clock clock;
  private final ExecutionTelemetry telemetry;
  private final int maxParallelSteps;
  private final EmitTopics emitTopics;
  private volatile boolean abandoned;
  private volatile Thread runner;
  /** Limiters and key budgets the engine declared (ADR 0019). */
  private io.stepstream.internal.limits.FlowControl flowControl = io.stepstream.internal.limits.FlowControl.NONE;

  public Execution(
      ExecutionRequest request,
      Registration<?, ?> workflow,
      OutcomePublisher publisher,
      ExecutionListener listener,
      Clock clock) {
    this(request, workflow, publisher, listener, clock, ExecutionTelemetry.NONE);
  }

  public Execution(
      ExecutionRequest request,
      Registration<?, ?> workflow,
      OutcomePublisher publisher,
      ExecutionListener listener,
      Clock clock,
      ExecutionTelemetry telemetry) {
    this(request, workflow, publisher, listener, clock, telemetry, EmitTopics.none(), DEFAULT_MAX_PARALLEL_STEPS);
  }

  /** With the user topics its workflow may emit to, and the parallel branches one run may have running at once. */
  public Execution(
      ExecutionRequest request,
      Registration<?, ?> workflow,
      OutcomePublisher publisher,
      ExecutionListener listener,
      Clock clock,
      ExecutionTelemetry telemetry,
      EmitTopics emitTopics,
      int maxParallelSteps) {
    this.emitTopics = emitTopics;
    this.maxParallelSteps = maxParallelSteps;
    this.request = request;
    this.workflow = workflow;
    // every outcome of the run carries its trace context
    this.publisher = publisher.withTraceHeaders(request.traceHeaders());
    this.listener = listener;
    this.clock = clock;
    this.telemetry = telemetry;
  }

  public String runId() {
    return request.runId();
  }

  /** With the limiters and key budgets the engine declared; set before the execution runs. */
  public Execution withFlowControl(io.stepstream.internal.limits.FlowControl flow) {
    this.flowControl = flow;
    return this;
  }

  public int generation() {
    return request.generation();
  }

  public String executionId() {
    return request.executionId();
  }

  /** Where step attempts' partial output goes (docs/streams.md); discarded unless set. */
  private io.stepstream.internal.streams.StreamWriter streamWriter = io.stepstream.internal.streams.StreamWriter.NONE;

  public Execution withStreams(io.stepstream.internal.streams.StreamWriter writer) {
    this.streamWriter = writer;
    return this;
  }

  /** Stops at the next step boundary and interrupts a running step; nothing more is published. */
  public void cancel() {
    abandoned = true;
    Thread t = runner;
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public void run() {
    try (LogContext log = LogContext.run(request.runId(), request.workflowType())) {
      runLogged();
    }
  }

  private void runLogged() {
    runner = Thread.currentThread();
    boolean finished = false;
    ReplayContext ctx =
        new ReplayContext(request, publisher, clock, () -> abandoned, workflow.defaultRetry(), () -> ThreadLocalRandom.current().nextDouble(),
            telemetry, emitTopics, maxParallelSteps).withStreams(streamWriter);
    ctx.flowControl(flowControl);
    try {
      ctx.checkNotAbandoned();
      RunCompletion completion = runWorkflow(ctx);
      ctx.checkNotAbandoned();
      reportUnreachedSteps(ctx, completion);
      publishCompletion(ctx, completion);
      finished = true;
    } catch (ExecutionAbandoned e) {
      LOG.debug("run {} generation {} abandoned", request.runId(), request.generation());
    } catch (Throwable e) {
      // publishing the completion itself failed (an OutOfMemoryError, say): the orchestrator resumes the run, a bounded number of times
      LOG.error("run {} execution {} ended without a completion", request.runId(), request.executionId(), e);
    } finally {
      ctx.cancelBranches(); // only branches of an abandoned or broken execution still run here
      runner = null;
      Thread.interrupted(); // do not leak an interrupt from cancel() into the pool thread
      listener.onExecutionEnded(this, finished);
    }
  }

  /**
   * Steps are matched by name, so a renamed step runs again under its new name (and a new
   * idempotency key) while the old name's entry stays unused. That cannot be told from a step
   * inserted before completed ones until the run ends; then the journaled steps the code never
   * reached are reported on the completion (and as an audit event), never silently dropped.
   */
  private void reportUnreachedSteps(ReplayContext ctx, RunCompletion completion) {
    if (completion.getStatus() == RunStatus.WAITING || completion.getStatus() == RunStatus.PARKED) {
      return;
    }
    java.util.List<String> unreached = ctx.unreachedSteps();
    if (!unreached.isEmpty()) {
      String report = "journaled steps the code no longer reaches: " + unreached + " (renamed or removed? a renamed step ran"
          + " again under its new name and idempotency key)";
      LOG.warn("run {}: {}", request.runId(), report);
      completion.setReason(report);
    }
  }

  private RunCompletion runWorkflow(ReplayContext ctx) {
    try {
      RunCompletion ended = runToEnd(ctx);
      ctx.finishBranches(); // branches never awaited: their work is done or under way, journal it
      return ended;
    } catch (Suspension s) {
      return waiting(s); // also when a compensation step waits for its retry
    }
  }

  private RunCompletion runToEnd(ReplayContext ctx) {
    RunCompletion completed;
    try {
      Object output = invoke(workflow.workflow(), ctx, input(ctx));
      completed = completion(RunStatus.COMPLETED, PayloadCodec.encode(output), null);
    } catch (Suspension | ExecutionAbandoned e) {
      throw e;
    } catch (Throwable e) {
      return afterThrow(ctx, e);
    }
    if (ctx.parkedBy() != null) {
      return parked(ctx.parkedBy()); // the code caught the exception and went on: the run is parked all the same
    }
    if (ctx.foreignUse() != null) {
      return afterCompensation(ctx, RunStatus.FAILED, error(ctx.foreignUse(), null)); // it meant to do something it could not
    }
    return completed;
  }

  private RunCompletion afterThrow(ReplayContext ctx, Throwable e) {
    if (ctx.parkedBy() != null) {
      return parked(ctx.parkedBy()); // also when the code wrapped or replaced the exception
    }
    if (e instanceof RunCancelledException) {
      return afterCompensation(ctx, RunStatus.CANCELLED, error(e, null, "CANCELLED"));
    }
    if (e instanceof StepFailedException f) {
      return afterCompensation(ctx, RunStatus.FAILED, error(e, f.stepName()));
    }
    if (e instanceof io.stepstream.BudgetExceededException refused) { // not caught: the run fails naming the refused step
      return afterCompensation(ctx, RunStatus.FAILED, error(e, refused.step(), BudgetRefusals.TYPE));
    }
    ctx.checkNotAbandoned(); // an interrupt-induced failure of an abandoned run is not a result
    if (!(e instanceof WorkflowFailure)) {
      LOG.warn("run {} ({}) failed: the workflow threw", request.runId(), request.workflowType(), e); // results carry no stack trace
    }
    // any Throwable, Errors included: a StackOverflowError in workflow code would overflow again on every replay
    return afterCompensation(ctx, RunStatus.FAILED, error(e, null));
  }

  /**
   * The run's input. It decoded when an earlier execution journaled something: failing now means
   * the input type changed, and the run parks. The first time, it is bad input: the run fails.
   */
  private Object input(ReplayContext ctx) {
    try {
      return PayloadCodec.decode(ctx.largeValues().read(request.input()), workflow.inputType());
    } catch (PayloadCodec.PayloadException | io.stepstream.internal.payloads.ClaimCheckException e) {
      if (ctx.hasExecutionEntries()) {
        throw ctx.park(new UndecodableJournalException(request.runId(), "the run's input", workflow.inputType().getName(), e.getMessage()));
      }
      throw new InvalidInputException(INVALID_INPUT,
          "the input of run " + request.runId() + " cannot be decoded as " + workflow.inputType().getName() + ", the input type of workflow '"
              + request.workflowType() + "': " + e.getMessage() + "; start the run with an input of that shape");
    }
  }

  /** Runs what the workflow registered to undo, then ends the run; a wait inside suspends instead. */
  private RunCompletion afterCompensation(ReplayContext ctx, RunStatus status, ErrorInfo cause) {
    if (ctx.hasCompensations()) {
      try {
        ctx.runCompensations();
      } catch (ReplayContext.CompensationFailedException e) {
        cause.setMessage(cause.getMessage() + "; and " + e.getMessage());
      } catch (NonDeterminismException e) {
        return parked(ctx.parkedBy() != null ? ctx.parkedBy() : e);
      }
    }
    return completion(status, null, cause);
  }

  private RunCompletion parked(NonDeterminismException e) {
    return completion(RunStatus.PARKED, null, error(e, null, e.errorType()));
  }

  private static RunCompletion completion(RunStatus status, io.stepstream.avro.Payload output, ErrorInfo error) {
    return RunCompletion.newBuilder().setStatus(status).setOutput(output).setError(error).build();
  }

  /** The suspension that unwound the workflow: the execution ends WAITING. */
  private static RunCompletion waiting(Suspension s) {
    return RunCompletion.newBuilder()
        .setStatus(RunStatus.WAITING)
        .setWakeAt(s.wakeAt == Suspension.NO_DEADLINE ? null : s.wakeAt) // null: no timer
        .setReason(s.reason)
        .setWaitKind(s.kind.name())
        .setWaitName(s.waitName)
        .build();
  }

  @SuppressWarnings("unchecked")
  private static <I> Object invoke(Workflow<I, ?> wf, ReplayContext ctx, Object input) throws Exception {
    return ((Workflow<I, ?>) wf).run(ctx, (I) input);
  }

  private ErrorInfo error(Throwable e, String step) {
    return error(e, step, e.getClass().getName());
  }

  private ErrorInfo error(Throwable e, String step, String type) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    String stack = trace.toString();
    return ErrorInfo.newBuilder()
        .setType(e instanceof StepFailedException f ? f.errorType() : e instanceof InvalidInputException i ? i.code()
            : e instanceof WorkflowFailure chosen ? chosen.type() : type)
        .setMessage(e.getMessage() == null ? e.toString() : e.getMessage())
        .setDetails(detailsOf(e))
        .setStep(step)
        .setAttempt(e instanceof StepFailedException f ? f.attempts() : 0)
        .setStackTrace(stack.length() > MAX_STACK_CHARS ? stack.substring(0, MAX_STACK_CHARS) : stack)
        .build();
  }

  /** What the workflow attached to its failure, for callers; details that cannot be encoded are described instead. */
  private static io.stepstream.avro.Payload detailsOf(Throwable e) {
    if (e instanceof StepFailedException f && f.errorDetails() instanceof PayloadValue recorded) {
      return recorded.payload();
    }
    if (e instanceof WorkflowFailure chosen && chosen.details() != null) {
      try {
        return PayloadCodec.encode(chosen.details());
      } catch (PayloadCodec.PayloadException cannot) {
        return PayloadCodec.encode("the details of " + chosen.type() + " could not be encoded: " + cannot.getMessage());
      }
    }
    return null;
  }

  /** The completion carries the entries not yet published; an output too large for Kafka fails the run loudly. */
  private void publishCompletion(ReplayContext ctx, RunCompletion completion) {
    completion = RunOutputs.claimChecked(ctx.largeValues(), completion, publisher.maxOutcomeBytes(), request.runId());
    StepOutcome outcome = request.outcome(ctx.drainUnpublished(), completion);
    if (io.stepstream.internal.codec.Envelopes.encode(outcome).length <= publisher.maxOutcomeBytes()) {
      publishOrAbandon(publisher, outcome, request.runId());
      return;
    }
    if (!outcome.getEntries().isEmpty()) {
      publishOrAbandon(publisher, request.outcome(outcome.getEntries(), null), request.runId());
    }
    RunCompletion tooLarge =
        completion(RunStatus.FAILED, null, ErrorInfo.newBuilder().setType("RECORD_TOO_LARGE")
            .setMessage("the output of run " + request.runId() + " is larger than " + publisher.recordLimit().describe()
                + ", the most a result may be; return a reference to data stored elsewhere")
            .build());
    publishOrAbandon(publisher, request.outcome(java.util.List.of(), tooLarge), request.runId());
  }

  /** Publishing failed ambiguously: stop this execution; the orchestrator dispatches a new one. */
  static void publishOrAbandon(OutcomePublisher publisher, StepOutcome outcome, String runId) {
    try {
      publisher.publish(outcome);
    } catch (OutcomePublisher.PublishException e) {
      LOG.warn("run {}: could not publish a step outcome ({}); the run will be redispatched", runId, e.getMessage());
      throw new ExecutionAbandoned(runId);
    }
  }
}
