package io.stepstream.internal.executor;

import io.stepstream.Approval;
import io.stepstream.DurableFuture;
import io.stepstream.StepAction;
import io.stepstream.TypeRef;
import io.stepstream.WorkflowLogger;
import java.lang.reflect.Type;
import io.stepstream.ApprovalRequest;
import io.stepstream.ApprovalTimeoutException;
import io.stepstream.EventTimeoutException;
import io.stepstream.NonDeterminismException;
import io.stepstream.RetryPolicy;
import io.stepstream.RunCancelledException;
import io.stepstream.StepFailedException;
import io.stepstream.StepFunction;
import io.stepstream.StepOptions;
import io.stepstream.UndecodableJournalException;
import io.stepstream.WorkflowContext;
import io.stepstream.avro.EmittedRecord;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.WorkflowFailure;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.PayloadValue;
import io.stepstream.internal.executor.AttemptRunner.Attempt;
import io.stepstream.internal.executor.AttemptRunner.Limits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link WorkflowContext} of one execution: answers from the journal where it can (replay), and
 * otherwise acts and publishes what it did before returning, so nothing that follows can depend on
 * an unrecorded fact.
 *
 * <p>Recorded values ({@code now}, {@code randomUUID}), failed attempts and sleeps are buffered and
 * published with the next step outcome or the completion: nothing durable depends on them before.
 *
 * <p>Bound to the thread that runs the workflow (captured when the execution starts): a call from
 * any other thread fails at once, and so does every later call, so a workflow that swallowed the
 * refusal stops before its next side effect. Step bodies get their own {@link
 * io.stepstream.StepContext}, which may be used on the attempt's thread.
 *
 * <p>Every entry it writes carries how many unnamed recorded values ({@code now()}, {@code
 * randomUUID()}) the code had taken before reaching it; a replay that reaches the entry after a
 * different number would hand the later unnamed values to the wrong calls, so it parks the run.
 * Once parked, every call throws the same {@link NonDeterminismException}, whatever the workflow
 * caught.
 */
final class ReplayContext implements WorkflowContext {
  // Internals read request.runId(), never runId(): heartbeats run on the attempt thread, where runId() refuses.
  private static final Logger LOG = LoggerFactory.getLogger(ReplayContext.class);
  static final String COMPENSATION_PREFIX = "compensate:";
  /** Error type of a step whose result does not decode as the type the step declared. */
  static final String RESULT_NOT_DECODABLE = "RESULT_NOT_DECODABLE";
  /** Journal name prefix of the choices of {@code any()}, followed by the futures' names. */
  static final String CHOICE_PREFIX = "$any:";
  /** Journal name prefix of version markers, followed by the change id. */
  static final String VERSION_PREFIX = "$version:";
  /** Parallel branches per run unless the engine says otherwise. */
  static final int DEFAULT_MAX_PARALLEL_STEPS = 8;

  private final ExecutionRequest request;
  private final OutcomePublisher publisher;
  /** Claim checks of this run: large results stored, references read back when reached (ADR 0021). */
  private final LargeValues largeValues;
  private final Clock clock;
  private final BooleanSupplier abandoned;
  private final RetryPolicy defaultRetry;
  private final DoubleSupplier random;
  private final ExecutionTelemetry telemetry;
  private final EmitTopics emitTopics;
  private final Set<String> namesUsed = new HashSet<>();
  private final List<JournalEntry> unpublished = new ArrayList<>();
  private final Deque<Compensation> compensations = new ArrayDeque<>();
  private final Thread owner = Thread.currentThread();
  private final Branches branches;
  /** Journaled entries the code reaches (steps, waits, values...) that this pass has not reached yet. */
  private final Set<String> unreached = new HashSet<>();
  private WorkflowLogger logger;
  private final Promises promises = new Promises(this);
  private volatile IllegalStateException foreignUse;
  private NonDeterminismException parked;
  private boolean compensating;
  private int nowCount;
  private int uuidCount;
  /** Unnamed recorded values taken so far by this pass of the code (named ones do not count). */
  private int unnamedValues;
  /** Runs step bodies; a history replay swaps in one that never does ({@link StepRunner}). */
  private StepRunner stepRunner = StepRunner.LIVE;
  /** Workflow emits reached so far by this pass of the code ($emit:<n>). */
  private int emitCount;
  /** The run's budget and the usage of the steps whose outcome the code received (ADR 0018). */
  private final RunBudget runBudget = new RunBudget();
  /** What the attempt being journaled reported (set by {@link #complete} while it journals); null: nothing. */
  private io.stepstream.avro.StepUsage attemptUsage;
  /** Flow control (ADR 0019): permits, Retry-After; none unless the engine declares limiters or key budgets. */
  private PermitGate permits = new PermitGate(this, io.stepstream.internal.limits.FlowControl.NONE);

  private record Compensation(String name, StepOptions options, StepFunction<?> fn) {}

  ReplayContext(
      ExecutionRequest request,
      OutcomePublisher publisher,
      Clock clock,
      BooleanSupplier abandoned,
      RetryPolicy defaultRetry,
      DoubleSupplier random) {
    this(request, publisher, clock, abandoned, defaultRetry, random, ExecutionTelemetry.NONE);
  }

  ReplayContext(
      ExecutionRequest request,
      OutcomePublisher publisher,
      Clock clock,
      BooleanSupplier abandoned,
      RetryPolicy defaultRetry,
      DoubleSupplier random,
      ExecutionTelemetry telemetry) {
    this(request, publisher, clock, abandoned, defaultRetry, random, telemetry, EmitTopics.none(), DEFAULT_MAX_PARALLEL_STEPS);
  }

  ReplayContext(
      ExecutionRequest request,
      OutcomePublisher publisher,
      Clock clock,
      BooleanSupplier abandoned,
      RetryPolicy defaultRetry,
      DoubleSupplier random,
      ExecutionTelemetry telemetry,
      EmitTopics emitTopics,
      int maxParallelSteps) {
    this.emitTopics = emitTopics;
    this.branches = new Branches(maxParallelSteps);
    this.request = request;
    this.publisher = publisher;
    this.largeValues = new LargeValues(publisher.claimChecks(), request.runId());
    this.clock = clock;
    this.abandoned = abandoned;
    this.defaultRetry = defaultRetry;
    this.random = random;
    this.telemetry = telemetry;
    for (JournalEntry e : request.journal().values()) {
      if (reachedByCode(e)) {
        unreached.add(e.getName());
      }
    }
  }

  /**
   * Entries the workflow code itself produced by reaching a call; not what the orchestrator stores
   * for the run on its own (early decisions and events, heartbeats, results from outside).
   */
  private static boolean reachedByCode(JournalEntry e) {
    return switch (e.getKind()) {
      case STEP, STEP_ATTEMPT, NOW, RANDOM_UUID, SLEEP, APPROVAL_WAIT, SIGNAL_WAIT, APPROVAL, CHILD_START, VERSION, CHOICE -> true;
      case EMIT -> Emits.stepOf(e.getName()) == null; // a step's emits come with its STEP entry
      case PROMISE -> e.getName().startsWith(Promises.WAIT_PREFIX); // not its settlement, which comes from outside
      case SIGNAL -> !e.getName().startsWith("$signal:"); // a resolution, not a buffered event
      default -> false;
    };
  }

  @Override
  public String runId() {
    checkThread();
    return request.runId();
  }

  @Override
  public String workflowType() {
    checkThread();
    return request.workflowType();
  }

  @Override
  public <T> T step(String name, Class<T> type, StepFunction<T> fn) {
    return step(name, type, StepOptions.defaults(), fn);
  }

  @Override
  public <T> T step(String name, Class<T> type, StepOptions options, StepFunction<T> fn) {
    return stepInline(name, type, options, fn);
  }

  @Override
  public <T> T step(String name, TypeRef<T> type, StepFunction<T> fn) {
    return step(name, type, StepOptions.defaults(), fn);
  }

  @Override
  public <T> T step(String name, TypeRef<T> type, StepOptions options, StepFunction<T> fn) {
    return stepInline(name, type.type(), options, fn);
  }

  @Override
  public void run(String name, StepAction action) {
    run(name, StepOptions.defaults(), action);
  }

  @Override
  public void run(String name, StepOptions options, StepAction action) {
    stepInline(name, Void.class, options, s -> {
      action.run(s);
      return null;
    });
  }

  @Override
  public <T> DurableFuture<T> stepAsync(String name, Class<T> type, StepFunction<T> fn) {
    return stepAsync(name, type, StepOptions.defaults(), fn);
  }

  @Override
  public <T> DurableFuture<T> stepAsync(String name, Class<T> type, StepOptions options, StepFunction<T> fn) {
    return branch(name, type, options, fn);
  }

  @Override
  public <T> DurableFuture<T> stepAsync(String name, TypeRef<T> type, StepFunction<T> fn) {
    return stepAsync(name, type, StepOptions.defaults(), fn);
  }

  @Override
  public <T> DurableFuture<T> stepAsync(String name, TypeRef<T> type, StepOptions options, StepFunction<T> fn) {
    return branch(name, type.type(), options, fn);
  }

  /** A step on this thread: replayed, or run now (a retry due later suspends the run). */
  private <T> T stepInline(String name, Type type, StepOptions options, StepFunction<T> fn) {
    enter();
    checkUserName(name);
    StepBranch<T> step = prepare(name, type, options, fn);
    if (step.state() == StepBranch.State.READY) {
      launch(step);
      complete(step, runAttempt(step, attemptContext(step)));
    }
    runBudget.received(step);
    if (step.state() == StepBranch.State.RETRY_DUE) {
      throw suspend(step.suspension());
    }
    return step.outcome();
  }

  /** A parallel branch: replayed, due later, or started (or queued behind the run's limit). */
  private <T> DurableFuture<T> branch(String name, Type type, StepOptions options, StepFunction<T> fn) {
    enter();
    checkUserName(name);
    StepBranch<T> branch = prepare(name, type, options, fn);
    branches.created(branch);
    if (branch.state() == StepBranch.State.READY) {
      collectFinished(); // frees room, and journals first what finished before this one starts
      if (branches.hasRoom()) {
        startBranch(branch);
      } else {
        branches.queue(branch);
      }
    }
    return branch;
  }

  /** What the journal says of step {@code name}, or a branch ready to run its next attempt. */
  private <T> StepBranch<T> prepare(String name, Type type, StepOptions options, StepFunction<T> fn) {
    JournalEntry recorded = recall(name, EntryKind.STEP, "step");
    if (recorded != null) {
      StepBranch<T> done;
      try {
        done = StepBranch.done(this, name, replay(recorded, type), null);
      } catch (StepFailedException | io.stepstream.BudgetExceededException failed) {
        done = StepBranch.done(this, name, null, failed);
      }
      return spent(done, RunBudget.journaled(request.journal(), name, recorded));
    }
    checkCancelRequested(name);
    RetryPolicy policy = options.retry() != null ? options.retry() : defaultRetry;
    int failedAttempts = failedAttempts(name);
    io.stepstream.Usage spentBefore = RunBudget.journaled(request.journal(), name, null);
    // compensations always run: they undo what the spending did
    io.stepstream.BudgetExceededException refused = compensating ? null : runBudget.refusal(name, spentBefore);
    if (refused != null) {
      buffer(entry(name, EntryKind.STEP).setSucceeded(false).setError(BudgetRefusals.error(refused, failedAttempts)).setAttempt(failedAttempts).build());
      return spent(StepBranch.done(this, name, null, refused), spentBefore);
    }
    long now = clock.millis();
    JournalEntry lastFailure = failedAttempts == 0 ? null : journal(attemptName(name, failedAttempts));
    if (lastFailure != null && lastFailure.getDueAt() != null && now < lastFailure.getDueAt()) {
      return spent(StepBranch.retryDue(this, name, lastFailure.getDueAt(), "retry of step '" + name + "' (attempt " + (failedAttempts + 1) + ")"),
          spentBefore);
    }
    PermitGate.Decision permit = permits.decide(name, failedAttempts + 1, options, now);
    if (permit.rateLimitedUntil() > 0) {
      return spent(StepBranch.retryDue(this, name, permit.rateLimitedUntil(), "step '" + name + "' rate limited (Retry-After)"), spentBefore);
    }
    if (permit.waiting()) {
      return spent(StepBranch.permitWait(this, name, permit.permitName(), "permit for step '" + name + "' from " + options.limiters()
          + (options.budgetKey() == null ? "" : " and budget key '" + options.budgetKey() + "'")), spentBefore);
    }
    if (permit.refused() != null) {
      return spent(StepBranch.done(this, name, null, permit.refused()), spentBefore);
    }
    StepBranch<T> ready =
        StepBranch.ready(this, name, type, options, policy, fn, failedAttempts + 1, firstAttemptStart(name, failedAttempts, now));
    ready.permitName = permit.permitName();
    ready.permitHeld = permit.permitHeld();
    ready.permitLimiters = permit.held();
    return spent(ready, spentBefore);
  }

  private static <T> StepBranch<T> spent(StepBranch<T> step, io.stepstream.Usage journaled) {
    step.spent = journaled;
    return step;
  }

  /** The limiters and key budgets this engine declared (ADR 0019). */
  void flowControl(io.stepstream.internal.limits.FlowControl flow) {
    this.permits = new PermitGate(this, flow);
  }

  /** Makes earlier outcomes durable before this step's side effect can happen, then marks its start. */
  private void launch(StepBranch<?> step) {
    flushBuffered();
    step.startedAt = clock.millis();
    step.startedNanos = System.nanoTime();
  }

  private <T> StepAttemptContext attemptContext(StepBranch<T> step) {
    String name = step.name();
    int attempt = step.attemptNumber;
    StepAttemptContext context =
        new StepAttemptContext(request.runId(), name, attempt, clock, journal(heartbeatName(name)), details -> journalHeartbeat(name, attempt, details),
            emitTopics);
    if (streamWriter != io.stepstream.internal.streams.StreamWriter.NONE) {
      context.streamTo(new io.stepstream.internal.streams.AttemptStream(streamWriter, request.runId(), name, attempt, request.executionId(), clock));
    }
    step.context = context;
    return context;
  }

  private <T> void startBranch(StepBranch<T> branch) {
    launch(branch);
    StepAttemptContext context = attemptContext(branch);
    StepFunction<T> traced = telemetry.tracer().around(request, branch.name(), branch.attemptNumber, branch.fn);
    Limits limits = limits(branch.options, branch.startedAt, branch.firstStart);
    String runId = request.runId();
    if (stepRunner != StepRunner.LIVE) {
      // a history replay runs no body: it ends here, on this thread, naming this branch
      complete(branch, runAttempt(traced, context, limits));
      return;
    }
    branches.start(branch, () -> {
      try (LogContext log = LogContext.run(runId, request.workflowType())) {
        return stepRunner.run(traced, context, limits, clock);
      } catch (InterruptedException e) {
        return new Attempt<>(null, e);
      }
    });
  }

  private <T> Attempt<T> runAttempt(StepBranch<T> step, StepAttemptContext context) {
    return runAttempt(telemetry.tracer().around(request, step.name(), step.attemptNumber, step.fn), context,
        limits(step.options, step.startedAt, step.firstStart));
  }

  /** Journals an attempt's outcome (on this thread only): a value, a retry due later, or the failure for good. */
  private <T> void complete(StepBranch<T> step, Attempt<T> result) {
    telemetry.metrics().stepAttempt(request.workflowType(), result.succeeded(), System.nanoTime() - step.startedNanos);
    // journaled with a success only; a failed attempt's are dropped
    List<EmittedRecord> emitted = step.context == null ? List.of() : step.context.endEmits();
    checkNotAbandoned();
    io.stepstream.RateLimitedException limited = PermitGate.rateLimited(result.failure());
    if (step.permitName != null && (step.permitHeld || limited != null)) {
      long retryAt = limited == null ? 0 : clock.millis() + limited.retryAfter().toMillis();
      unpublished.add(permits.release(step.name(), step.attemptNumber, step.permitName, step.permitLimiters,
          step.permitHeld ? step.options : null, step.context == null ? null : step.context.usage(), limited, retryAt));
      if (limited != null) {
        // not a failed attempt: the same attempt runs again after the provider's Retry-After
        step.retryAt(retryAt, "step '" + step.name() + "' rate limited (Retry-After " + limited.retryAfter() + ")");
        return;
      }
    }
    // spent even if the attempt failed or timed out (not a Retry-After: that attempt is not journaled, so a replay
    // would not count it); what a timed-out body reports later is not counted
    io.stepstream.Usage reported = step.context == null ? io.stepstream.Usage.ZERO : step.context.usage();
    step.spent = step.spent.plus(reported);
    attemptUsage = RunBudget.toJournal(reported);
    try {
      if (result.succeeded()) {
        T value = recordSuccess(step.name(), step.type, step.attemptNumber, step.startedAt, result.value(), emitted);
        endStream(step, true, null);
        step.finish(value, null);
        return;
      }
      long retryAt = recordFailure(step.name(), step.attemptNumber, step.startedAt, step.firstStart, step.options, step.policy, result.failure());
      endStream(step, false, result.failure());
      step.retryAt(retryAt, "retry of step '" + step.name() + "' (attempt " + (step.attemptNumber + 1) + ")");
    } catch (StepFailedException failed) {
      endStream(step, false, result.succeeded() ? failed : result.failure());
      step.finish(null, failed);
    } finally {
      attemptUsage = null;
    }
  }

  /**
   * Journals the branches that finished and starts queued ones in the room they left. While other
   * branches still run, what finished is published at once: a crash then repeats only the
   * branches that were still running.
   */
  private void collectFinished() {
    boolean collected = false;
    for (StepBranch<?> done : branches.finished()) {
      completeBranch(done);
      collected = true;
    }
    StepBranch<?> next;
    while (branches.hasRoom() && (next = branches.nextQueued()) != null) {
      startBranch(next);
    }
    if (collected && branches.busy()) {
      flushBuffered();
    }
  }

  private <T> void completeBranch(StepBranch<T> branch) {
    Attempt<T> attempt = branch.attempt;
    if (attempt.failure() instanceof InterruptedException) {
      checkNotAbandoned(); // interrupted because the execution was abandoned: nothing to journal
    }
    complete(branch, attempt);
  }

  /** Blocks this thread until a branch finishes; an abandoned execution stops here. */
  private void awaitBranch() {
    try {
      branches.awaitOne();
    } catch (InterruptedException e) {
      checkNotAbandoned();
      Thread.currentThread().interrupt();
      throw new ExecutionAbandoned(request.runId()); // interrupted for another reason: the run is dispatched again
    }
    checkNotAbandoned();
  }

  /** {@link DurableFuture#get()}: collects branches until {@code future} is resolved, or parks the run for it. */
  <T> T await(ContextFuture<T> future) {
    enter();
    while (true) {
      collectFinished();
      if (future.resolved()) {
        if (future instanceof StepBranch<?> step) {
          runBudget.received(step); // a parallel step's usage counts when the code receives its outcome
        }
        return future.outcome();
      }
      if (!future.localWork()) {
        throw suspend(future.suspension());
      }
      awaitBranch();
    }
  }

  @Override
  public <T> List<T> all(List<? extends DurableFuture<? extends T>> futures) {
    enter();
    List<T> results = new ArrayList<>(futures.size());
    for (DurableFuture<? extends T> future : futures) {
      own(future);
      results.add(future.get());
    }
    return results;
  }

  @Override
  public <F extends DurableFuture<?>> F any(List<F> futures) {
    enter();
    if (futures.isEmpty()) {
      throw new IllegalArgumentException("run " + request.runId() + ": any() needs at least one future");
    }
    List<String> names = new ArrayList<>();
    for (F future : futures) {
      names.add(own(future).name());
    }
    String choiceName = CHOICE_PREFIX + String.join(",", names);
    JournalEntry recorded = recall(choiceName, EntryKind.CHOICE, "any()");
    if (recorded != null) {
      String winner = decodeRecorded(recorded, recorded.getValue(), String.class);
      int index = names.indexOf(winner);
      if (index < 0) {
        throw park(new NonDeterminismException("run " + request.runId() + ": any() over " + names + " chose '" + winner
            + "' when it ran first, which is no longer among its futures; the workflow code changed incompatibly. Restore the"
            + " old code or version the change (ctx.version), then `stepstream resume " + request.runId() + "`"));
      }
      return futures.get(index);
    }
    while (true) {
      collectFinished();
      for (F future : futures) {
        if (((ContextFuture<?>) future).resolved()) {
          unpublished.add(entry(choiceName, EntryKind.CHOICE).setValue(PayloadCodec.encode(future.name())).build());
          return future;
        }
      }
      boolean local = futures.stream().anyMatch(f -> ((ContextFuture<?>) f).localWork());
      if (!local) {
        throw suspend(anyOf(futures));
      }
      awaitBranch();
    }
  }

  /**
   * How the run waits for the first of several futures: children alone wait on any child's result;
   * otherwise the wait of the earliest deadline (the other futures' arrivals are seen when it ends;
   * docs/programming-model.md says so).
   */
  private static <F extends DurableFuture<?>> Suspension anyOf(List<F> futures) {
    Suspension earliest = null;
    boolean allChildren = true;
    for (F future : futures) {
      Suspension s = ((ContextFuture<?>) future).suspension();
      allChildren &= s.kind == Suspension.Kind.CHILD;
      if (earliest == null || s.wakeAt < earliest.wakeAt) {
        earliest = s;
      }
    }
    if (allChildren && futures.size() > 1) {
      return new Suspension(earliest.wakeAt, "the first of " + futures.size() + " children", Suspension.Kind.CHILD, null);
    }
    return earliest;
  }

  private ContextFuture<?> own(DurableFuture<?> future) {
    if (future instanceof ContextFuture<?> mine && mine.ctx == this) {
      return mine;
    }
    throw new IllegalArgumentException("run " + request.runId() + ": all()/any() take futures this run's context created (stepAsync,"
        + " startChild, promise), not " + future);
  }

  @Override
  public int version(String changeId, int minSupported, int maxSupported) {
    enter();
    checkUserName(changeId);
    if (minSupported > maxSupported) {
      throw new IllegalArgumentException("run " + request.runId() + ": version(\"" + changeId + "\", " + minSupported + ", "
          + maxSupported + "): the minimum supported version is above the maximum");
    }
    String name = VERSION_PREFIX + changeId;
    JournalEntry recorded = recall(name, EntryKind.VERSION, "version(\"" + changeId + "\")");
    int version;
    if (recorded != null) {
      version = decodeRecorded(recorded, recorded.getValue(), Integer.class);
    } else {
      // a run whose journal goes on past this point reached it before the marker existed: the old code's path
      version = isReplaying() ? DEFAULT_VERSION : maxSupported;
      unpublished.add(entry(name, EntryKind.VERSION).setValue(PayloadCodec.encode(version)).build());
    }
    if (version < minSupported || version > maxSupported) {
      throw park(new NonDeterminismException(
          "run " + request.runId() + " took version " + version + " of change '" + changeId + "'"
              + (recorded == null ? " (it passed this point before the version marker existed)" : "")
              + ", but this code supports versions " + minSupported + " to " + maxSupported
              + "; deploy code that still has the branch for version " + version + " (or let such runs finish before raising the"
              + " minimum), then `stepstream resume " + request.runId() + "`"));
    }
    return version;
  }

  @Override
  public boolean isReplaying() {
    checkThread();
    return !unreached.isEmpty();
  }

  @Override
  public WorkflowLogger logger() {
    checkThread();
    if (logger == null) {
      logger = new ReplayAwareLogger(request.workflowType(), () -> !unreached.isEmpty());
    }
    return logger;
  }

  @Override
  public void sleep(String name, Duration duration) {
    enter();
    sleepUntil(name, () -> clock.millis() + duration.toMillis());
  }

  @Override
  public void sleepUntil(String name, Instant until) {
    enter();
    sleepUntil(name, until::toEpochMilli);
  }

  @Override
  public Approval awaitApproval(String name, ApprovalRequest ask, Duration timeout) {
    enter();
    return awaitApprovalWithin(name, ask, requireTimeout(timeout, name, "awaitApproval(name, request)"));
  }

  /** {@code timeout} null: no deadline. */
  private Approval awaitApprovalWithin(String name, ApprovalRequest ask, Duration timeout) {
    checkUserName(name);
    JournalEntry resolution = recall(name, EntryKind.APPROVAL, "awaitApproval");
    if (resolution != null) {
      ApprovalDecision d = decodeRecorded(resolution, resolution.getValue(), ApprovalDecision.class);
      if (d.getTimedOut() && ask.throwOnTimeout()) {
        throw new ApprovalTimeoutException("approval '" + name + "' of run " + request.runId() + " was not decided before its deadline");
      }
      return new Approval(d.getApproved(), d.getTimedOut(), d.getApprover(), d.getComment(), d.getReason(), PayloadValue.of(d.getEditedPayload()),
          Instant.ofEpochMilli(d.getDecidedAt()));
    }
    checkCancelRequested(name);
    long deadline = registerWait(name, EntryKind.APPROVAL_WAIT, "awaitApproval", timeout, due ->
        PayloadCodec.encode(
            io.stepstream.avro.ApprovalRequest.newBuilder()
                .setRunId(request.runId())
                .setApprovalName(name)
                .setWorkflowType(request.workflowType())
                .setSubject(ask.subject())
                .setDetails(PayloadCodec.encode(ask.details()))
                .setAllowedApprovers(ask.approvers())
                .setAllowedGroups(ask.groups())
                .setDeadline(due == Suspension.NO_DEADLINE ? 0 : due) // 0: no deadline (documented in the schema)
                .setToken("") // signed by the orchestrator, which holds the secret
                .setRequestedAt(clock.millis())
                .build()));
    throw suspend(new Suspension(deadline, "approval '" + name + "'", Suspension.Kind.APPROVAL, name));
  }

  @Override
  public <T> T awaitEvent(String name, Class<T> type, Duration timeout) {
    enter();
    return awaitEventWithin(name, type, requireTimeout(timeout, name, "awaitEvent(name, type)"), any -> true);
  }

  @Override
  public <T> T awaitEvent(String name, Class<T> type, Duration timeout, Predicate<T> match) {
    enter();
    return awaitEventWithin(name, type, requireTimeout(timeout, name, "awaitEvent(name, type, match)"), match);
  }

  /** {@code timeout} null: no deadline. */
  private <T> T awaitEventWithin(String name, Class<T> type, Duration timeout, Predicate<T> match) {
    checkUserName(name);
    JournalEntry resolution = recall(name, EntryKind.SIGNAL, "awaitEvent");
    if (resolution != null) {
      Signal signal = decodeRecorded(resolution, resolution.getValue(), Signal.class);
      if (signal.getTimedOut()) {
        throw new EventTimeoutException("no event '" + name + "' for run " + request.runId() + " arrived before the deadline");
      }
      return decodeRecorded(resolution, signal.getPayload(), type);
    }
    checkCancelRequested(name);
    for (JournalEntry buffered : bufferedSignals(name)) {
      Signal signal = decodeRecorded(buffered, buffered.getValue(), Signal.class);
      T value;
      try {
        value = PayloadCodec.decode(signal.getPayload(), type); // the same decode replay does: same value
      } catch (PayloadCodec.PayloadException e) {
        // not accepted yet, so not a journal problem: an event of another shape is skipped like a non-matching one
        LOG.warn("run {}: event '{}' ({}) skipped: {}", request.runId(), name, buffered.getName(), e.getMessage());
        continue;
      }
      if (match.test(value)) {
        // the orchestrator applies the first resolution of this name; a timeout fences us first if it won
        unpublished.add(entry(name, EntryKind.SIGNAL).setSucceeded(true).setValue(buffered.getValue()).build());
        return value;
      }
    }
    long deadline = registerWait(name, EntryKind.SIGNAL_WAIT, "awaitEvent", timeout, due -> null);
    throw suspend(new Suspension(deadline, "event '" + name + "'", Suspension.Kind.SIGNAL, name));
  }

  /**
   * Records the wait the first time (with its deadline, none for a null {@code timeout}); returns the
   * recorded deadline, {@link Suspension#NO_DEADLINE} for none (the entry has no {@code dueAt}).
   */
  private long registerWait(String name, EntryKind kind, String call, Duration timeout, java.util.function.LongFunction<Payload> details) {
    String waitName = "$wait:" + name;
    JournalEntry wait = recall(waitName, kind, call);
    if (wait != null) {
      return wait.getDueAt() == null ? Suspension.NO_DEADLINE : wait.getDueAt();
    }
    Long deadline = timeout == null ? null : clock.millis() + timeout.toMillis();
    long due = deadline == null ? Suspension.NO_DEADLINE : deadline;
    unpublished.add(entry(waitName, kind).setSucceeded(true).setDueAt(deadline).setValue(details.apply(due)).build());
    return due;
  }

  private Duration requireTimeout(Duration timeout, String name, String withoutDeadline) {
    if (timeout == null) {
      throw new IllegalArgumentException("wait '" + name + "' of run " + request.runId() + ": the timeout is null; for a wait without a"
          + " deadline, call " + withoutDeadline);
    }
    return timeout;
  }

  /** Signals stored for this wait, in arrival order. */
  private List<JournalEntry> bufferedSignals(String name) {
    String prefix = "$signal:" + name + ":";
    List<JournalEntry> found = new ArrayList<>();
    for (JournalEntry e : request.journal().values()) {
      if (e.getKind() == EntryKind.SIGNAL && e.getName().startsWith(prefix)) {
        found.add(e);
      }
    }
    found.sort(java.util.Comparator.comparingLong(JournalEntry::getRecordedAt).thenComparing(JournalEntry::getName));
    return found;
  }

  @Override
  public Instant now() {
    enter();
    Instant value = recordedValue("$now:" + (++nowCount), EntryKind.NOW, "now()", Instant.class, clock::instant);
    unnamedValues++; // after: its own entry counts the unnamed values taken before it
    return value;
  }

  @Override
  public Instant now(String name) {
    enter();
    checkUserName(name);
    return recordedValue(name, EntryKind.NOW, "now(\"" + name + "\")", Instant.class, clock::instant);
  }

  @Override
  public UUID randomUUID() {
    enter();
    UUID value = recordedValue("$uuid:" + (++uuidCount), EntryKind.RANDOM_UUID, "randomUUID()", UUID.class, UUID::randomUUID);
    unnamedValues++;
    return value;
  }

  @Override
  public UUID randomUUID(String name) {
    enter();
    checkUserName(name);
    return recordedValue(name, EntryKind.RANDOM_UUID, "randomUUID(\"" + name + "\")", UUID.class, UUID::randomUUID);
  }

  /** The recorded value, or a fresh one recorded now; returned as decoded from its record, as replay will. */
  private <T> T recordedValue(String name, EntryKind kind, String call, Class<T> type, Supplier<T> fresh) {
    JournalEntry recorded = recall(name, kind, call);
    if (recorded != null) {
      return decodeRecorded(recorded, recorded.getValue(), type);
    }
    Payload value = PayloadCodec.encode(fresh.get());
    unpublished.add(entry(name, kind).setSucceeded(true).setValue(value).build());
    return PayloadCodec.decode(value, type);
  }

  @Override
  public void addCompensation(String name, StepFunction<?> compensation) {
    enter();
    addCompensation(name, StepOptions.defaults(), compensation);
  }

  @Override
  public void addCompensation(String name, StepOptions options, StepFunction<?> compensation) {
    enter();
    compensations.push(new Compensation(name, options, compensation));
  }

  @Override
  public void compensate() {
    enter();
    runCompensations();
  }

  /**
   * What {@link #compensate()} does; the execution calls it directly once the workflow code ended,
   * so compensations also run after a refused foreign-thread use failed the run.
   */
  void runCompensations() {
    compensating = true;
    List<String> failed = new ArrayList<>();
    try {
      while (!compensations.isEmpty()) {
        Compensation c = compensations.pop();
        try {
          step(COMPENSATION_PREFIX + c.name(), Void.class, c.options(), s -> {
            c.fn().apply(s);
            return null;
          });
        } catch (StepFailedException e) {
          failed.add(e.getMessage()); // go on: every compensation gets its chance
        }
      }
    } finally {
      compensating = false;
    }
    if (!failed.isEmpty()) {
      throw new CompensationFailedException("compensation failed in run " + request.runId() + ": " + String.join("; ", failed));
    }
  }

  // ---- durable token streams (docs/streams.md) ----

  /** Where attempts' partial output goes; {@code NONE} (the default) discards it. */
  private io.stepstream.internal.streams.StreamWriter streamWriter = io.stepstream.internal.streams.StreamWriter.NONE;

  ReplayContext withStreams(io.stepstream.internal.streams.StreamWriter writer) {
    this.streamWriter = writer;
    return this;
  }

  /** The attempt's end marker, after its outcome is journaled (a no-op for an attempt that did not stream). */
  private static void endStream(StepBranch<?> step, boolean succeeded, Throwable failure) {
    if (step.context != null) {
      step.context.endStream(succeeded, failure);
    }
  }

  /** For history replays only ({@code HistoryReplay}): step bodies go to {@code runner} instead of running. */
  ReplayContext withStepRunner(StepRunner runner) {
    this.stepRunner = runner;
    return this;
  }

  /** Names of completed steps in the journal that this execution's code never asked for. */
  java.util.List<String> unreachedSteps() {
    java.util.List<String> unreached = new ArrayList<>();
    for (JournalEntry e : request.journal().values()) {
      if (e.getKind() == EntryKind.STEP && !namesUsed.contains(e.getName())) {
        unreached.add(e.getName());
      }
    }
    java.util.Collections.sort(unreached);
    return unreached;
  }

  boolean hasCompensations() {
    return !compensations.isEmpty();
  }

  /** Why this execution parked the run, if it did; whatever the workflow code did with the exception. */
  NonDeterminismException parkedBy() {
    return parked;
  }

  /** The first refused use from a foreign thread, if any: the run fails with it. */
  IllegalStateException foreignUse() {
    return foreignUse;
  }

  /** Parks the run: this and every later call of the workflow code throws {@code e}. */
  NonDeterminismException park(NonDeterminismException e) {
    if (parked == null) {
      parked = e;
    }
    return parked;
  }

  /**
   * True if an execution already wrote to this run's journal, so its input decoded once; entries the
   * orchestrator stores for a run (early decisions and events) do not count.
   */
  boolean hasExecutionEntries() {
    for (JournalEntry e : request.journal().values()) {
      switch (e.getKind()) {
        case STEP, STEP_ATTEMPT, NOW, RANDOM_UUID, SLEEP, HEARTBEAT, APPROVAL_WAIT, SIGNAL_WAIT, EMIT, CHILD_START:
          return true;
        default:
          break;
      }
    }
    return false;
  }

  /** A journaled payload the current code cannot read parks the run (see {@link UndecodableJournalException}). */
  <T> T decodeRecorded(JournalEntry recorded, Payload payload, Class<T> type) {
    return decodeRecorded(recorded, payload, (Type) type);
  }

  <T> T decodeRecorded(JournalEntry recorded, Payload payload, Type type) {
    try {
      return PayloadCodec.decode(largeValues.read(payload), type);
    } catch (io.stepstream.internal.payloads.ClaimCheckException e) { // permanent: gone or corrupt, never a wrong value
      throw park(new UndecodableJournalException(request.runId(), describe(recorded), type.getTypeName(), e.getMessage()));
    } catch (PayloadCodec.PayloadException e) {
      throw park(new UndecodableJournalException(request.runId(), describe(recorded), type.getTypeName(), e.getMessage()));
    }
  }

  private static String describe(JournalEntry entry) {
    String what =
        switch (entry.getKind()) {
          case STEP -> "step";
          case NOW -> "recorded time";
          case RANDOM_UUID -> "recorded UUID";
          case SIGNAL -> "event";
          case APPROVAL -> "approval";
          default -> entry.getKind().name();
        };
    return what + " '" + entry.getName() + "'";
  }

  /** Every public method but runId/workflowType: the owner thread, not refused before, not parked. */
  private void enter() {
    checkThread();
    IllegalStateException refused = foreignUse;
    if (refused != null && !compensating) {
      throw new IllegalStateException(refused.getMessage(), refused);
    }
    if (parked != null) {
      throw parked;
    }
  }

  /** A comparison with a field captured at start: cheap enough for every call. */
  private void checkThread() {
    Thread current = Thread.currentThread();
    if (current != owner) {
      IllegalStateException e =
          new IllegalStateException(
              "the WorkflowContext of run " + request.runId() + " is bound to the thread running the workflow ('" + owner.getName()
                  + "') and was used from thread '" + current.getName() + "': for parallel work use ctx.stepAsync(...) and"
                  + " ctx.all(...), and in a step body use its StepContext, not the WorkflowContext");
      if (foreignUse == null) {
        foreignUse = e; // a benign race: any one of the refusals will do
      }
      throw e;
    }
  }

  /**
   * How every durable wait ends this execution: {@code throw ctx.suspend(new Suspension(...))}.
   * Parallel steps still running are waited for and journaled first, and a retry of one of them due
   * before {@code s.wakeAt} wakes the run earlier.
   */
  Suspension suspend(Suspension s) {
    finishBranches();
    Suspension earliest = s;
    for (StepBranch<?> b : branches.all()) {
      if (b.state() == StepBranch.State.RETRY_DUE && b.retryAt() < earliest.wakeAt) {
        earliest = b.suspension(); // the run must be back in time to retry that branch
      }
    }
    return earliest;
  }

  /** Waits for every branch still running or queued, and journals them. */
  void finishBranches() {
    collectFinished();
    while (branches.busy()) {
      awaitBranch();
      collectFinished();
    }
  }

  /** The execution is over (or abandoned): branches still running are interrupted, their results unwanted. */
  void cancelBranches() {
    branches.cancelRunning();
  }

  /** Entries recorded since the last publish; they travel with the completion. */
  List<JournalEntry> drainUnpublished() {
    List<JournalEntry> drained = new ArrayList<>(unpublished);
    unpublished.clear();
    return drained;
  }

  void checkNotAbandoned() {
    if (abandoned.getAsBoolean()) {
      throw new ExecutionAbandoned(request.runId());
    }
  }

  private void checkCancelRequested(String where) {
    if (request.cancelRequested() && !compensating) {
      throw new RunCancelledException(
          "run " + request.runId() + " was cancelled" + (request.cancelReason() == null ? "" : " (" + request.cancelReason() + ")")
              + "; stopped before '" + where + "'");
    }
  }

  private void sleepUntil(String name, LongSupplier dueAtIfNew) {
    checkUserName(name);
    durableSleep(name, dueAtIfNew);
  }

  /** A sleep under any name, engine names ('$') included: journaled the first time, parked until due. */
  void durableSleep(String name, LongSupplier dueAtIfNew) {
    JournalEntry recorded = recall(name, EntryKind.SLEEP, "sleep");
    long now = clock.millis();
    if (recorded != null && now >= recorded.getDueAt()) {
      return;
    }
    checkCancelRequested(name);
    if (recorded != null) {
      throw suspend(new Suspension(recorded.getDueAt(), "sleep '" + name + "'", Suspension.Kind.SLEEP, name));
    }
    long dueAt = dueAtIfNew.getAsLong();
    unpublished.add(entry(name, EntryKind.SLEEP).setSucceeded(true).setDueAt(dueAt).setStartedAt(now).build());
    if (dueAt > now) {
      throw suspend(new Suspension(dueAt, "sleep '" + name + "'", Suspension.Kind.SLEEP, name));
    }
  }

  private <T> Attempt<T> runAttempt(StepFunction<T> fn, StepAttemptContext context, Limits limits) {
    try {
      return stepRunner.run(fn, context, limits, clock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      checkNotAbandoned();
      return new Attempt<>(null, e);
    }
  }

  /**
   * Journals the value and returns it decoded from the journal, exactly what a replay returns: a
   * declared type that loses information ({@code List.class} gives maps) does so the first time
   * too, and one that does not decode at all fails now, not on the replay after a crash.
   */
  private <T> T recordSuccess(String name, Type type, int attempt, long startedAt, T value, List<EmittedRecord> emitted) {
    Payload encoded;
    try {
      encoded = PayloadCodec.encode(value);
    } catch (PayloadCodec.PayloadException e) {
      return failFinally(name, attempt, startedAt, "RESULT_NOT_SERIALIZABLE", e.getMessage());
    }
    T returned;
    try {
      returned = PayloadCodec.decode(encoded, type);
    } catch (PayloadCodec.PayloadException e) {
      return failFinally(name, attempt, startedAt, RESULT_NOT_DECODABLE, notDecodableMessage(name, type, value, e));
    }
    // above the claim-check threshold the journal gets a reference, stored before the outcome that carries it
    Payload journaled;
    try {
      journaled = largeValues.store(encoded, false);
    } catch (io.stepstream.internal.payloads.PayloadTooLargeException e) {
      return failFinally(name, attempt, startedAt, LargeValues.PAYLOAD_TOO_LARGE, largeValues.tooLarge("the result of step '" + name + "'", e));
    }
    List<JournalEntry> together = successWithEmits(name, attempt, startedAt, journaled, emitted);
    int size = sizeOf(together);
    // below the threshold, yet too large for this cluster's records: the store takes it anyway (not if its emits are the bulk)
    if (size > publisher.maxOutcomeBytes() && journaled != null && journaled.getClaimCheck() == null && largeValues.canOffload()
        && size - encoded.getData().remaining() + 1_024 <= publisher.maxOutcomeBytes()) {
      together = successWithEmits(name, attempt, startedAt, largeValues.store(encoded, true), emitted);
      size = sizeOf(together);
    }
    if (size > publisher.maxOutcomeBytes()) {
      return failFinally(name, attempt, startedAt, "RECORD_TOO_LARGE", tooLargeMessage(name, size)
          + (emitted.isEmpty() ? "" : " (with the " + emitted.size() + " record(s) it emitted)"));
    }
    buffer(together);
    return returned;
  }

  /** The step's emits travel in the same outcome as its result: applied (and written) together or not at all. */
  private List<JournalEntry> successWithEmits(String name, int attempt, long startedAt, Payload value, List<EmittedRecord> emitted) {
    JournalEntry success =
        entry(name, EntryKind.STEP).setSucceeded(true).setValue(value).setAttempt(attempt).setStartedAt(startedAt).setUsage(attemptUsage).build();
    List<JournalEntry> together = new ArrayList<>(List.of(success));
    for (int i = 0; i < emitted.size(); i++) {
      together.add(entry(Emits.stepEmitName(name, i), EntryKind.EMIT).setAttempt(attempt).setValue(PayloadCodec.encode(emitted.get(i))).build());
    }
    return together;
  }

  private String notDecodableMessage(String name, Type type, Object value, PayloadCodec.PayloadException e) {
    return "the result of step '" + name + "' in run " + request.runId() + " (a " + value.getClass().getName()
        + ") was recorded but cannot be read back as " + type.getTypeName() + ", and a step returns what a replay would read: "
        + e.getMessage() + ". Return a record or a POJO Jackson can construct (or an Avro generated type) and declare"
        + " that class (for generic types such as List<Foo>, a TypeRef: new TypeRef<List<Foo>>() {})";
  }

  /** Journals a failed attempt: returns when the retry is due, or throws the failure for good. */
  private long recordFailure(
      String name, int attempt, long startedAt, long firstStart, StepOptions options, RetryPolicy policy, Throwable failure) {
    String type = failure instanceof AttemptRunner.StepTimeoutException ? AttemptRunner.StepTimeoutException.TYPE
        : failure instanceof WorkflowFailure chosen ? chosen.type() : failure.getClass().getName();
    String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    Payload details = failure instanceof WorkflowFailure chosen ? detailsOf(name, chosen) : null;
    boolean retryable = !(failure instanceof WorkflowFailure chosen && chosen.isNonRetryable());
    if (retryable && policy.allowsRetry(attempt, type)) {
      long wakeAt = clock.millis() + policy.delayAfter(attempt, random.getAsDouble()).toMillis();
      Duration budget = options.scheduleToCloseTimeout();
      if (budget == null || wakeAt < firstStart + budget.toMillis()) {
        unpublished.add(
            entry(attemptName(name, attempt), EntryKind.STEP_ATTEMPT)
                .setSucceeded(false)
                .setError(error(name, attempt, type, message, details))
                .setAttempt(attempt)
                .setDueAt(wakeAt)
                .setStartedAt(startedAt)
                .setUsage(attemptUsage)
                .build());
        return wakeAt;
      }
      message = message + " (no retry: the schedule-to-close timeout of " + budget + " would pass first)";
    }
    // results carry type and message; the stack trace is for the workflow's developers
    LOG.warn("run {}: step '{}' failed after {} attempt(s): {}: {}", request.runId(), name, attempt, type, message, failure);
    return this.<Long>failFinally(name, attempt, startedAt, type, message, details); // always throws
  }

  private <T> T failFinally(String name, int attempt, long startedAt, String type, String message) {
    return failFinally(name, attempt, startedAt, type, message, null);
  }

  private <T> T failFinally(String name, int attempt, long startedAt, String type, String message, Payload details) {
    buffer(entry(name, EntryKind.STEP).setSucceeded(false).setError(error(name, attempt, type, message, details)).setAttempt(attempt).setStartedAt(startedAt)
        .setUsage(attemptUsage).build());
    throw new StepFailedException(name, attempt, type, message, PayloadValue.of(details));
  }

  /** The details a step attached to its failure; ones that cannot be encoded are described instead of lost. */
  private Payload detailsOf(String step, WorkflowFailure failure) {
    if (failure.details() == null) {
      return null;
    }
    try {
      return PayloadCodec.encode(failure.details());
    } catch (PayloadCodec.PayloadException e) {
      return PayloadCodec.encode("details of the failure of step '" + step + "' could not be encoded: " + e.getMessage());
    }
  }

  private void journalHeartbeat(String name, int attempt, Payload details) {
    JournalEntry beat = entry(heartbeatName(name), EntryKind.HEARTBEAT).setSucceeded(true).setValue(details).setAttempt(attempt).build();
    try {
      publisher.publish(request.outcome(List.of(beat), null));
    } catch (OutcomePublisher.PublishException e) {
      LOG.warn("run {}: heartbeat of step '{}' not journaled: {}", request.runId(), name, e.getMessage()); // best effort
    }
  }

  private Limits limits(StepOptions options, long attemptStart, long firstStart) {
    if (!options.hasAttemptTimeout()) {
      return Limits.NONE;
    }
    long deadline = Long.MAX_VALUE;
    String which = null;
    if (options.startToCloseTimeout() != null) {
      deadline = attemptStart + options.startToCloseTimeout().toMillis();
      which = "start-to-close timeout of " + options.startToCloseTimeout() + " exceeded";
    }
    if (options.scheduleToCloseTimeout() != null && firstStart + options.scheduleToCloseTimeout().toMillis() < deadline) {
      deadline = firstStart + options.scheduleToCloseTimeout().toMillis();
      which = "schedule-to-close timeout of " + options.scheduleToCloseTimeout() + " exceeded";
    }
    long heartbeat = options.heartbeatTimeout() == null ? 0 : options.heartbeatTimeout().toMillis();
    return new Limits(deadline, heartbeat, which);
  }

  private int failedAttempts(String name) {
    int n = 0;
    JournalEntry failed;
    while ((failed = journal(attemptName(name, n + 1))) != null) {
      checkPosition(failed);
      n++;
    }
    return n;
  }

  private long firstAttemptStart(String name, int failedAttempts, long now) {
    if (failedAttempts == 0) {
      return now;
    }
    Long started = journal(attemptName(name, 1)).getStartedAt();
    return started == null ? now : started;
  }

  /** '$' starts engine-generated names and '@' separates a step from its attempt number. */
  private void checkUserName(String name) {
    if (name == null || name.isEmpty() || name.startsWith("$") || name.contains("@")) {
      throw new IllegalArgumentException(
          "invalid name '" + name + "' in run " + request.runId() + " (names of steps, sleeps, waits and recorded values):"
              + " names must be non-empty, must not start with '$' and must not contain '@'");
    }
  }

  private JournalEntry journal(String name) {
    return request.journal().get(name);
  }

  private JournalEntry recall(String name, EntryKind kind, String call) {
    checkNotAbandoned();
    if (!namesUsed.add(name)) {
      throw new IllegalStateException(
          "run " + request.runId() + " uses the name '" + name + "' twice; names must be unique within a run"
              + " (in loops, add the index: \"tool-\" + i)");
    }
    unreached.remove(name);
    if (kind == EntryKind.APPROVAL || kind == EntryKind.SIGNAL) {
      unreached.remove("$wait:" + name); // reached with its resolution, the registration is passed too
    } else if (kind == EntryKind.STEP) {
      for (int n = 1; unreached.remove(attemptName(name, n)); n++) {
        // its failed attempts are passed too
      }
    }
    JournalEntry recorded = journal(name);
    if (recorded != null && recorded.getKind() != kind) {
      throw park(new NonDeterminismException(
          "run " + request.runId() + ": '" + name + "' was recorded by a " + recorded.getKind()
              + " call but the code now reaches it with " + call
              + "; the workflow code changed incompatibly. Restore the old code or rename the new call, then `stepstream resume "
              + request.runId() + "`"));
    }
    if (recorded != null) {
      checkPosition(recorded);
    }
    return recorded;
  }

  /**
   * An unnamed {@code now()}/{@code randomUUID()} added or removed before this entry shifts every
   * later unnamed value onto another call: detected here, where the entry is reached. Entries from
   * before the count existed (-1) and entries the orchestrator wrote are not compared.
   */
  private void checkPosition(JournalEntry recorded) {
    int before = recorded.getUnnamedValuesBefore();
    if (before >= 0 && before != unnamedValues) {
      throw park(new NonDeterminismException(
          "run " + request.runId() + ": '" + recorded.getName() + "' was recorded after " + before
              + " unnamed recorded value(s) (ctx.now() / ctx.randomUUID() without a name) but the code now reaches it after "
              + unnamedValues + "; an unnamed call was added or removed before it, which would hand every later recorded value"
              + " to another call. Name the new call (ctx.now(\"name\"), ctx.randomUUID(\"name\")) or version the code"
              + " (register the changed workflow under a new type and let older runs finish on the old code), then `stepstream resume "
              + request.runId() + "`"));
    }
  }

  private <T> T replay(JournalEntry recorded, Type type) {
    if (recorded.getSucceeded()) {
      return decodeRecorded(recorded, recorded.getValue(), type);
    }
    ErrorInfo error = recorded.getError();
    if (BudgetRefusals.isRefusal(error)) {
      throw BudgetRefusals.replayed(recorded.getName(), decodeRecorded(recorded, error.getDetails(), BudgetRefusals.Refusal.class));
    }
    throw new StepFailedException(recorded.getName(), recorded.getAttempt(), error.getType(), error.getMessage(), PayloadValue.of(error.getDetails()));
  }

  /**
   * A step's outcome waits here until the next side effect begins (the next step's first attempt) or
   * the execution ends (it travels with the completion). Nothing can depend on it before then, and
   * the last step of a run costs no record of its own.
   */
  private void buffer(JournalEntry entry) {
    buffer(List.of(entry));
  }

  /** Entries that must reach the orchestrator in one outcome (a step's result and its emits). */
  private void buffer(List<JournalEntry> entries) {
    // usually nothing is buffered here (flushed before the step ran), so no second size check
    if (!unpublished.isEmpty()) {
      List<JournalEntry> with = new ArrayList<>(unpublished);
      with.addAll(entries);
      if (sizeOf(with) > publisher.maxOutcomeBytes()) {
        flushBuffered();
      }
    }
    unpublished.addAll(entries);
  }

  /** Makes every buffered entry durable: called before anything can depend on them. */
  void flushBuffered() {
    if (unpublished.isEmpty()) {
      return;
    }
    Execution.publishOrAbandon(publisher, request.outcome(new ArrayList<>(unpublished), null), request.runId());
    unpublished.clear();
  }

  private int sizeOf(List<JournalEntry> entries) {
    return Envelopes.encode(request.outcome(entries, null)).length;
  }

  private String tooLargeMessage(String name, int size) {
    return "the result of step '" + name + "' in run " + request.runId() + " makes a " + size + "-byte record, larger than the "
        + publisher.recordLimit().describe() + " this engine may write; store large data elsewhere (object store, database)"
        + " and return a reference";
  }

  private static ErrorInfo error(String step, int attempt, String type, String message) {
    return error(step, attempt, type, message, null);
  }

  private static ErrorInfo error(String step, int attempt, String type, String message, Payload details) {
    return ErrorInfo.newBuilder().setType(type).setMessage(message).setStep(step).setAttempt(attempt).setDetails(details).build();
  }

  private JournalEntry.Builder entry(String name, EntryKind kind) {
    return JournalEntry.newBuilder()
        .setRunId(request.runId())
        .setName(name)
        .setKind(kind)
        .setSucceeded(true)
        .setAttempt(1)
        .setGeneration(request.generation())
        .setRecordedAt(clock.millis())
        .setUnnamedValuesBefore(unnamedValues);
  }

  // ---- exactly-once emit ----

  /**
   * Journaled by position ({@code $emit:<n>}) and published with the next outcome; the orchestrator
   * writes the record when it journals the entry. On replay nothing is written, but the record must
   * be the one journaled at that position (else the run parks before anything is written). Emits do
   * not count as unnamed values: they shift no {@code $now}/{@code $uuid}; their entries carry and
   * check the unnamed-value position like every other entry (in {@link #recall}).
   */
  @Override
  public void emit(String topic, String key, Object value, java.util.Map<String, String> headers) {
    enter();
    String name = Emits.workflowEmitName(++emitCount);
    EmittedRecord record = Emits.record(request.runId(), topic, key, value, headers);
    JournalEntry recorded = recall(name, EntryKind.EMIT, "emit()");
    if (recorded != null) {
      NonDeterminismException changed = Emits.mismatch(request.runId(), recorded, record);
      if (changed != null) {
        throw park(changed);
      }
      return;
    }
    emitTopics.check(request.runId(), topic);
    JournalEntry entry = entry(name, EntryKind.EMIT).setValue(PayloadCodec.encode(record)).build();
    int size = sizeOf(List.of(entry));
    if (size > publisher.maxOutcomeBytes()) {
      throw new IllegalArgumentException("run " + request.runId() + ": the record emitted to topic '" + topic + "' makes a " + size
          + "-byte record, larger than the " + publisher.recordLimit().describe() + " this engine may write; emit a reference instead");
    }
    buffer(entry);
  }

  static String attemptName(String step, int attempt) {
    return step + "@" + attempt;
  }

  static String heartbeatName(String step) {
    return "$hb:" + step;
  }

  // ---- remote tasks: the logic is in RemoteTasks ----
  private RemoteTasks tasks;

  @Override
  public <T> T task(String name, String queue, Object input, Class<T> type, io.stepstream.TaskOptions options) {
    enter();
    if (options == null) {
      throw new IllegalArgumentException("run " + request.runId() + ": task '" + name + "' needs options (TaskOptions.defaults())");
    }
    if (tasks == null) {
      tasks = new RemoteTasks(this, emitTopics);
    }
    return tasks.call(name, queue, input, type, options, defaultRetry);
  }

  String workflowTypeOfRun() {
    return request.workflowType();
  }

  double randomDouble() {
    return random.getAsDouble();
  }

  // ---- durable promises and waits without a deadline: the logic is in Promises ----

  @Override
  public <T> io.stepstream.DurablePromise<T> promise(String name, Class<T> type) {
    enter();
    return promises.create(name, type);
  }

  @Override
  public Approval awaitApproval(String name, ApprovalRequest ask) {
    enter();
    return awaitApprovalWithin(name, ask, null);
  }

  @Override
  public <T> T awaitEvent(String name, Class<T> type) {
    enter();
    return awaitEventWithin(name, type, null, any -> true);
  }

  @Override
  public <T> T awaitEvent(String name, Class<T> type, Predicate<T> match) {
    enter();
    return awaitEventWithin(name, type, null, match);
  }

  // ---- child workflows (logic in ChildRuns) ----
  private ChildRuns children;

  @Override
  public <O> io.stepstream.DurableFuture<O> startChild(
      String name, String workflowType, Object input, Class<O> outputType, io.stepstream.ChildOptions options) {
    enter();
    if (children == null) {
      children = new ChildRuns(this, request, clock);
    }
    return children.start(name, workflowType, input, outputType, options);
  }

  // accessors for the helpers of this context (Promises, ChildRuns): the same rules as its own calls

  void checkName(String name) {
    checkUserName(name);
  }

  /** The journaled entry under {@code name}, reserving the name; a different kind parks the run. */
  JournalEntry reserve(String name, EntryKind kind, String call) {
    return recall(name, kind, call);
  }

  JournalEntry journaled(String name) {
    return journal(name);
  }

  /** The journal's entry for a wait the code reached by another way than {@link #recall} (a promise's wait). */
  JournalEntry reach(String name) {
    unreached.remove(name);
    return journal(name);
  }

  /** Journals an entry with the next outcome; the caller keeps batches small enough ({@link #flushBuffered}). */
  void record(JournalEntry entry) {
    unpublished.add(entry);
  }

  JournalEntry.Builder newEntry(String name, EntryKind kind) {
    return entry(name, kind);
  }

  long millis() {
    return clock.millis();
  }

  String run() {
    return request.runId();
  }

  void checkCancel(String where) {
    checkCancelRequested(where);
  }

  LargeValues largeValues() {
    return largeValues;
  }

  int maxOutcomeBytes() {
    return publisher.maxOutcomeBytes();
  }

  /** One or more compensations failed for good; the run fails with this. */
  static final class CompensationFailedException extends RuntimeException {
    CompensationFailedException(String message) {
      super(message);
    }
  }

  // ---- usage and budgets (the rules are in RunBudget; ADR 0018) ----

  @Override
  public void budget(io.stepstream.Budget budget) {
    enter();
    runBudget.set(budget, request.runId());
  }

  @Override
  public io.stepstream.Usage usage() {
    enter();
    return runBudget.used();
  }
}
