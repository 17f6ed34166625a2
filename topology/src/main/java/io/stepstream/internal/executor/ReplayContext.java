package io.stepstream.internal.executor;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.ApprovalTimeoutException;
import io.stepstream.EventTimeoutException;
import io.stepstream.NonDeterminismException;
import io.stepstream.RetryPolicy;
import io.stepstream.RunCancelledException;
import io.stepstream.StepFailedException;
import io.stepstream.StepFunction;
import io.stepstream.StepOptions;
import io.stepstream.WorkflowContext;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.Signal;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link WorkflowContext} of one execution: answers from the journal where it can (replay), and
 * otherwise acts and publishes what it did before returning, so nothing that follows can depend on
 * an unrecorded fact.
 *
 * <p>Recorded values ({@code now}, {@code randomUUID}), failed attempts and sleeps are buffered and
 * published with the next step outcome or the completion: nothing durable depends on them before.
 */
final class ReplayContext implements WorkflowContext {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayContext.class);
  static final String COMPENSATION_PREFIX = "compensate:";

  private final ExecutionRequest request;
  private final OutcomePublisher publisher;
  private final Clock clock;
  private final BooleanSupplier abandoned;
  private final RetryPolicy defaultRetry;
  private final DoubleSupplier random;
  private final Set<String> namesUsed = new HashSet<>();
  private final List<JournalEntry> unpublished = new ArrayList<>();
  private final Deque<Compensation> compensations = new ArrayDeque<>();
  private boolean compensating;
  private int nowCount;
  private int uuidCount;

  private record Compensation(String name, StepOptions options, StepFunction<?> fn) {}

  ReplayContext(
      ExecutionRequest request,
      OutcomePublisher publisher,
      Clock clock,
      BooleanSupplier abandoned,
      RetryPolicy defaultRetry,
      DoubleSupplier random) {
    this.request = request;
    this.publisher = publisher;
    this.clock = clock;
    this.abandoned = abandoned;
    this.defaultRetry = defaultRetry;
    this.random = random;
  }

  @Override
  public String runId() {
    return request.runId();
  }

  @Override
  public String workflowType() {
    return request.workflowType();
  }

  @Override
  public <T> T step(String name, Class<T> type, StepFunction<T> fn) {
    return step(name, type, StepOptions.defaults(), fn);
  }

  @Override
  public <T> T step(String name, Class<T> type, StepOptions options, StepFunction<T> fn) {
    checkUserName(name);
    JournalEntry recorded = recall(name, EntryKind.STEP, "step");
    if (recorded != null) {
      return replay(recorded, type);
    }
    checkCancelRequested(name);
    RetryPolicy policy = options.retry() != null ? options.retry() : defaultRetry;
    int failedAttempts = failedAttempts(name);
    long now = clock.millis();
    JournalEntry lastFailure = failedAttempts == 0 ? null : journal(attemptName(name, failedAttempts));
    if (lastFailure != null && lastFailure.getDueAt() != null && now < lastFailure.getDueAt()) {
      throw new Suspension(lastFailure.getDueAt(), "retry of step '" + name + "' (attempt " + (failedAttempts + 1) + ")", Suspension.Kind.RETRY, name);
    }
    int attempt = failedAttempts + 1;
    long firstStart = firstAttemptStart(name, failedAttempts, now);
    flushBuffered(); // earlier outcomes are durable before this step's side effect can happen
    StepAttemptContext attemptContext =
        new StepAttemptContext(runId(), name, attempt, clock, journal(heartbeatName(name)), details -> journalHeartbeat(name, attempt, details));
    Attempt<T> result = runAttempt(fn, attemptContext, limits(options, now, firstStart));
    checkNotAbandoned();
    if (result.succeeded()) {
      return recordSuccess(name, attempt, now, result.value());
    }
    return recordFailure(name, attempt, now, firstStart, options, policy, result.failure());
  }

  @Override
  public void sleep(String name, Duration duration) {
    sleepUntil(name, () -> clock.millis() + duration.toMillis());
  }

  @Override
  public void sleepUntil(String name, Instant until) {
    sleepUntil(name, until::toEpochMilli);
  }

  @Override
  public Approval awaitApproval(String name, ApprovalRequest ask, Duration timeout) {
    checkUserName(name);
    JournalEntry resolution = recall(name, EntryKind.APPROVAL, "awaitApproval");
    if (resolution != null) {
      ApprovalDecision d = PayloadCodec.decode(resolution.getValue(), ApprovalDecision.class);
      if (d.getTimedOut() && ask.throwOnTimeout()) {
        throw new ApprovalTimeoutException("approval '" + name + "' of run " + runId() + " was not decided before its deadline");
      }
      return new Approval(d.getApproved(), d.getTimedOut(), d.getApprover(), d.getComment(), d.getReason(), d.getEditedPayload(),
          Instant.ofEpochMilli(d.getDecidedAt()));
    }
    checkCancelRequested(name);
    long deadline = registerWait(name, EntryKind.APPROVAL_WAIT, "awaitApproval", timeout, due ->
        PayloadCodec.encode(
            io.stepstream.avro.ApprovalRequest.newBuilder()
                .setRunId(runId())
                .setApprovalName(name)
                .setWorkflowType(workflowType())
                .setSubject(ask.subject())
                .setDetails(PayloadCodec.encode(ask.details()))
                .setAllowedApprovers(ask.approvers())
                .setAllowedGroups(ask.groups())
                .setDeadline(due)
                .setToken("") // signed by the orchestrator, which holds the secret
                .setRequestedAt(clock.millis())
                .build()));
    throw new Suspension(deadline, "approval '" + name + "'", Suspension.Kind.APPROVAL, name);
  }

  @Override
  public <T> T awaitEvent(String name, Class<T> type, Duration timeout) {
    return awaitEvent(name, type, timeout, any -> true);
  }

  @Override
  public <T> T awaitEvent(String name, Class<T> type, Duration timeout, Predicate<T> match) {
    checkUserName(name);
    JournalEntry resolution = recall(name, EntryKind.SIGNAL, "awaitEvent");
    if (resolution != null) {
      Signal signal = PayloadCodec.decode(resolution.getValue(), Signal.class);
      if (signal.getTimedOut()) {
        throw new EventTimeoutException("no event '" + name + "' for run " + runId() + " arrived before the deadline");
      }
      return PayloadCodec.decode(signal.getPayload(), type);
    }
    checkCancelRequested(name);
    for (JournalEntry buffered : bufferedSignals(name)) {
      Signal signal = PayloadCodec.decode(buffered.getValue(), Signal.class);
      T value = PayloadCodec.decode(signal.getPayload(), type);
      if (match.test(value)) {
        // the orchestrator applies the first resolution of this name; a timeout fences us first if it won
        unpublished.add(entry(name, EntryKind.SIGNAL).setSucceeded(true).setValue(buffered.getValue()).build());
        return value;
      }
    }
    long deadline = registerWait(name, EntryKind.SIGNAL_WAIT, "awaitEvent", timeout, due -> null);
    throw new Suspension(deadline, "event '" + name + "'", Suspension.Kind.SIGNAL, name);
  }

  /** Records the wait the first time (with its deadline); returns the recorded deadline. */
  private long registerWait(String name, EntryKind kind, String call, Duration timeout, java.util.function.LongFunction<Payload> details) {
    String waitName = "$wait:" + name;
    JournalEntry wait = recall(waitName, kind, call);
    if (wait != null) {
      return wait.getDueAt();
    }
    long deadline = clock.millis() + timeout.toMillis();
    unpublished.add(entry(waitName, kind).setSucceeded(true).setDueAt(deadline).setValue(details.apply(deadline)).build());
    return deadline;
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
    String name = "$now:" + (++nowCount);
    JournalEntry recorded = recall(name, EntryKind.NOW, "now()");
    if (recorded != null) {
      return PayloadCodec.decode(recorded.getValue(), Instant.class);
    }
    Instant now = clock.instant();
    unpublished.add(entry(name, EntryKind.NOW).setSucceeded(true).setValue(PayloadCodec.encode(now)).build());
    return now;
  }

  @Override
  public UUID randomUUID() {
    String name = "$uuid:" + (++uuidCount);
    JournalEntry recorded = recall(name, EntryKind.RANDOM_UUID, "randomUUID()");
    if (recorded != null) {
      return PayloadCodec.decode(recorded.getValue(), UUID.class);
    }
    UUID uuid = UUID.randomUUID();
    unpublished.add(entry(name, EntryKind.RANDOM_UUID).setSucceeded(true).setValue(PayloadCodec.encode(uuid)).build());
    return uuid;
  }

  @Override
  public void addCompensation(String name, StepFunction<?> compensation) {
    addCompensation(name, StepOptions.defaults(), compensation);
  }

  @Override
  public void addCompensation(String name, StepOptions options, StepFunction<?> compensation) {
    compensations.push(new Compensation(name, options, compensation));
  }

  @Override
  public void compensate() {
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
      throw new CompensationFailedException("compensation failed in run " + runId() + ": " + String.join("; ", failed));
    }
  }

  boolean hasCompensations() {
    return !compensations.isEmpty();
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
          "run " + runId() + " was cancelled" + (request.cancelReason() == null ? "" : " (" + request.cancelReason() + ")")
              + "; stopped before '" + where + "'");
    }
  }

  private void sleepUntil(String name, LongSupplier dueAtIfNew) {
    checkUserName(name);
    JournalEntry recorded = recall(name, EntryKind.SLEEP, "sleep");
    long now = clock.millis();
    if (recorded != null && now >= recorded.getDueAt()) {
      return;
    }
    checkCancelRequested(name);
    if (recorded != null) {
      throw new Suspension(recorded.getDueAt(), "sleep '" + name + "'", Suspension.Kind.SLEEP, name);
    }
    long dueAt = dueAtIfNew.getAsLong();
    unpublished.add(entry(name, EntryKind.SLEEP).setSucceeded(true).setDueAt(dueAt).setStartedAt(now).build());
    if (dueAt > now) {
      throw new Suspension(dueAt, "sleep '" + name + "'", Suspension.Kind.SLEEP, name);
    }
  }

  private <T> Attempt<T> runAttempt(StepFunction<T> fn, StepAttemptContext context, Limits limits) {
    try {
      return AttemptRunner.run(fn, context, limits, clock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      checkNotAbandoned();
      return new Attempt<>(null, e);
    }
  }

  private <T> T recordSuccess(String name, int attempt, long startedAt, T value) {
    JournalEntry success;
    try {
      success = entry(name, EntryKind.STEP).setSucceeded(true).setValue(PayloadCodec.encode(value)).setAttempt(attempt).setStartedAt(startedAt).build();
    } catch (PayloadCodec.PayloadException e) {
      return failFinally(name, attempt, startedAt, "RESULT_NOT_SERIALIZABLE", e.getMessage());
    }
    if (sizeOf(List.of(success)) > publisher.maxOutcomeBytes()) {
      return failFinally(name, attempt, startedAt, "RECORD_TOO_LARGE", tooLargeMessage(name));
    }
    buffer(success);
    return value;
  }

  private <T> T recordFailure(
      String name, int attempt, long startedAt, long firstStart, StepOptions options, RetryPolicy policy, Exception failure) {
    String type = failure instanceof AttemptRunner.StepTimeoutException ? AttemptRunner.StepTimeoutException.TYPE : failure.getClass().getName();
    String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    if (policy.allowsRetry(attempt, type)) {
      long wakeAt = clock.millis() + policy.delayAfter(attempt, random.getAsDouble()).toMillis();
      Duration budget = options.scheduleToCloseTimeout();
      if (budget == null || wakeAt < firstStart + budget.toMillis()) {
        unpublished.add(
            entry(attemptName(name, attempt), EntryKind.STEP_ATTEMPT)
                .setSucceeded(false)
                .setError(error(name, attempt, type, message))
                .setAttempt(attempt)
                .setDueAt(wakeAt)
                .setStartedAt(startedAt)
                .build());
        throw new Suspension(wakeAt, "retry of step '" + name + "' (attempt " + (attempt + 1) + ")", Suspension.Kind.RETRY, name);
      }
      message = message + " (no retry: the schedule-to-close timeout of " + budget + " would pass first)";
    }
    return failFinally(name, attempt, startedAt, type, message);
  }

  private <T> T failFinally(String name, int attempt, long startedAt, String type, String message) {
    buffer(entry(name, EntryKind.STEP).setSucceeded(false).setError(error(name, attempt, type, message)).setAttempt(attempt).setStartedAt(startedAt).build());
    throw new StepFailedException(name, attempt, type, message);
  }

  private void journalHeartbeat(String name, int attempt, Payload details) {
    JournalEntry beat = entry(heartbeatName(name), EntryKind.HEARTBEAT).setSucceeded(true).setValue(details).setAttempt(attempt).build();
    try {
      publisher.publish(request.outcome(List.of(beat), null));
    } catch (OutcomePublisher.PublishException e) {
      LOG.warn("run {}: heartbeat of step '{}' not journaled: {}", runId(), name, e.getMessage()); // best effort
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
    while (journal(attemptName(name, n + 1)) != null) {
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
  private static void checkUserName(String name) {
    if (name == null || name.isEmpty() || name.startsWith("$") || name.contains("@")) {
      throw new IllegalArgumentException(
          "invalid step or sleep name '" + name + "': names must be non-empty, not start with '$' and not contain '@'");
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
    JournalEntry recorded = journal(name);
    if (recorded != null && recorded.getKind() != kind) {
      throw new NonDeterminismException(
          "run " + request.runId() + ": '" + name + "' was recorded by a " + recorded.getKind()
              + " call but the code now reaches it with " + call
              + "; the workflow code changed incompatibly. Restore the old code or rename the new call, then restart");
    }
    return recorded;
  }

  private <T> T replay(JournalEntry recorded, Class<T> type) {
    if (recorded.getSucceeded()) {
      return PayloadCodec.decode(recorded.getValue(), type);
    }
    ErrorInfo error = recorded.getError();
    throw new StepFailedException(recorded.getName(), recorded.getAttempt(), error.getType(), error.getMessage());
  }

  /**
   * A step's outcome waits here until the next side effect begins (the next step's first attempt) or
   * the execution ends (it travels with the completion). Nothing can depend on it before then, and
   * the last step of a run costs no record of its own.
   */
  private void buffer(JournalEntry entry) {
    // usually nothing is buffered here (flushed before the step ran), so no second size check
    if (!unpublished.isEmpty()) {
      List<JournalEntry> with = new ArrayList<>(unpublished);
      with.add(entry);
      if (sizeOf(with) > publisher.maxOutcomeBytes()) {
        flushBuffered();
      }
    }
    unpublished.add(entry);
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

  private String tooLargeMessage(String name) {
    return "the result of step '" + name + "' in run " + request.runId() + " is larger than "
        + publisher.maxOutcomeBytes() + " bytes, the most the step-outcomes topic accepts;"
        + " store large data elsewhere and return a reference, or raise max.message.bytes";
  }

  private static ErrorInfo error(String step, int attempt, String type, String message) {
    return ErrorInfo.newBuilder().setType(type).setMessage(message).setStep(step).setAttempt(attempt).build();
  }

  private JournalEntry.Builder entry(String name, EntryKind kind) {
    return JournalEntry.newBuilder()
        .setRunId(request.runId())
        .setName(name)
        .setKind(kind)
        .setSucceeded(true)
        .setAttempt(1)
        .setGeneration(request.generation())
        .setRecordedAt(clock.millis());
  }

  static String attemptName(String step, int attempt) {
    return step + "@" + attempt;
  }

  static String heartbeatName(String step) {
    return "$hb:" + step;
  }

  /** One or more compensations failed for good; the run fails with this. */
  static final class CompensationFailedException extends RuntimeException {
    CompensationFailedException(String message) {
      super(message);
    }
  }
}
