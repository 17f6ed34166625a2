package io.stepstream.internal.executor;

import io.stepstream.NonDeterminismException;
import io.stepstream.StepFailedException;
import io.stepstream.Workflow;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.RunCompletion;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.WorkflowRegistry.Registration;
import io.stepstream.internal.codec.PayloadCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of a run's workflow code on an executor thread: replays the journal, executes the steps
 * that are missing, and publishes a completion when the code returns, throws or is found
 * non-deterministic. Identified by (run id, generation); the orchestrator applies only outcomes of
 * the run's current generation.
 */
public final class Execution implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Execution.class);
  private static final int MAX_STACK_CHARS = 4000;

  private final ExecutionRequest request;
  private final Registration<?, ?> workflow;
  private final OutcomePublisher publisher;
  private final ExecutionListener listener;
  private final Clock clock;
  private volatile boolean cancelled;
  private volatile Thread runner;

  public Execution(
      ExecutionRequest request,
      Registration<?, ?> workflow,
      OutcomePublisher publisher,
      ExecutionListener listener,
      Clock clock) {
    this.request = request;
    this.workflow = workflow;
    this.publisher = publisher;
    this.listener = listener;
    this.clock = clock;
  }

  public String runId() {
    return request.runId();
  }

  public int generation() {
    return request.generation();
  }

  /** Stops at the next step boundary and interrupts a running step; nothing more is published. */
  public void cancel() {
    cancelled = true;
    Thread t = runner;
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public void run() {
    runner = Thread.currentThread();
    boolean finished = false;
    ReplayContext ctx = new ReplayContext(request, publisher, clock, () -> cancelled);
    try {
      ctx.checkNotCancelled();
      RunCompletion completion = runWorkflow(ctx);
      ctx.checkNotCancelled();
      publishOrAbandon(publisher, new StepOutcome(request.runId(), request.generation(), ctx.drainUnpublished(), completion), request.runId());
      finished = true;
    } catch (ExecutionAbandoned abandoned) {
      LOG.debug("run {} generation {} abandoned", request.runId(), request.generation());
    } finally {
      runner = null;
      Thread.interrupted(); // do not leak an interrupt from cancel() into the pool thread
      listener.onExecutionEnded(this, finished);
    }
  }

  private RunCompletion runWorkflow(ReplayContext ctx) {
    try {
      Object input = PayloadCodec.decode(request.input(), workflow.inputType());
      Object output = invoke(workflow.workflow(), ctx, input);
      return new RunCompletion(RunStatus.COMPLETED, PayloadCodec.encode(output), null);
    } catch (ExecutionAbandoned abandoned) {
      throw abandoned;
    } catch (NonDeterminismException e) {
      return new RunCompletion(RunStatus.PARKED, null, error(e, null));
    } catch (StepFailedException e) {
      return new RunCompletion(RunStatus.FAILED, null, error(e, e.stepName()));
    } catch (Exception | LinkageError | AssertionError e) {
      ctx.checkNotCancelled(); // an interrupt-induced failure of a cancelled run is not a result
      return new RunCompletion(RunStatus.FAILED, null, error(e, null));
    }
  }

  @SuppressWarnings("unchecked")
  private static <I> Object invoke(io.stepstream.Workflow<I, ?> wf, ReplayContext ctx, Object input) throws Exception {
    return ((Workflow<I, ?>) wf).run(ctx, (I) input);
  }

  private ErrorInfo error(Throwable e, String step) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    String stack = trace.toString();
    return ErrorInfo.newBuilder()
        .setType(e.getClass().getName())
        .setMessage(e.getMessage() == null ? e.toString() : e.getMessage())
        .setStep(step)
        .setAttempt(e instanceof StepFailedException f ? f.attempts() : 0)
        .setStackTrace(stack.length() > MAX_STACK_CHARS ? stack.substring(0, MAX_STACK_CHARS) : stack)
        .build();
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
