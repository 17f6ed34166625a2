package io.stepstream.testkit;

import io.stepstream.CancelResult;
import io.stepstream.PendingApproval;
import io.stepstream.ResumeResult;
import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.Workflow;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import io.stepstream.avro.RunState;
import io.stepstream.client.Decision;
import io.stepstream.internal.codec.Results;
import io.stepstream.internal.engine.WorkflowRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An in-memory Stepstream engine for testing workflows: the engine's real orchestrator topology on
 * Kafka Streams' {@code TopologyTestDriver}, with <b>virtual time</b>. No broker: every
 * call runs the affected runs on the calling thread until nothing is left to do at the current
 * virtual time (steps run, outcomes are journaled, results written), then returns; parallel branches
 * ({@code ctx.stepAsync}) run on threads of their own, and are done when the call returns. A seven-day sleep
 * passes in {@link #advanceTime} at once; retries wait their backoff in virtual time.
 *
 * <p>Step bodies run for real: stub the tools they call (an LLM client, an HTTP API) with fakes.
 *
 * <pre>{@code
 * try (var env = WorkflowTestEnvironment.builder()
 *     .register("refund", Refund.class, new RefundWorkflow(fakePayments))
 *     .build()) {
 *   String runId = env.start("refund", new Refund("order-1", 120));
 *   assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);          // waiting for a manager
 *   assertThat(env.pendingApprovals()).extracting(PendingApproval::approvalName).containsExactly("manager");
 *
 *   env.approve(runId, "manager", "alice", "ok");
 *   assertThat(env.result(runId).output(Receipt.class).amount()).isEqualTo(120);
 *   assertThat(env.journal(runId)).extracting(JournalRecord::name).contains("charge");
 * }
 * }</pre>
 *
 * <p>Timers are durable as in the engine: sleeps, retry backoffs and approval or event deadlines
 * fire when {@link #advanceTime} moves the clock past them, each at its own virtual instant, in
 * order. {@code ctx.now()} reads virtual time. Step timeouts (start-to-close, heartbeats) are measured
 * on the virtual clock too, which only moves between calls: a step body that blocks blocks the test.
 *
 * <p>Not thread-safe; use one environment per test. Closing it releases the driver and its state
 * directory.
 */
public final class WorkflowTestEnvironment implements AutoCloseable {
  private final InMemoryEngine engine;
  private final WorkflowRegistry registry;
  private int runCount;

  private WorkflowTestEnvironment(WorkflowRegistry registry, Instant start, List<String> emitTopics, List<String> taskQueues,
      io.stepstream.internal.limits.FlowControl flowControl) {
    this.registry = registry;
    this.engine = new InMemoryEngine(registry, start, emitTopics, taskQueues, flowControl);
  }

  /**
   * The task records written to {@code queue} so far ({@code ctx.task}; declare the queue with
   * {@link Builder#taskQueues}), one per attempt, as a worker reads them: the key is the task id,
   * the value the JSON of docs/clients.md "Remote tasks". Answer them as a worker would:
   *
   * <pre>{@code
   * String taskId = env.tasks("llm-tasks").get(0).key();
   * env.completeTask(taskId, new Summary("short", 2));                       // or
   * env.failTask(taskId, "RATE_LIMITED", "429", false);                      // retried after the backoff
   * env.advanceTime(Duration.ofSeconds(5));
   * }</pre>
   */
  public List<EmittedRecord> tasks(String queue) {
    return engine.emitted(engine.topics().tasks(queue));
  }

  /** The cancel notices written so far (attempts that timed out, runs that ended with a task out). */
  public List<EmittedRecord> taskCancels() {
    return engine.emitted(engine.topics().taskCancels());
  }

  /** Completes a remote task attempt as a worker would: the first outcome of a task id wins. */
  public void completeTask(String taskId, Object value) {
    engine.taskOutcome(taskId, value, null, null, false, false);
  }

  /** Fails a remote task attempt as a worker would; {@code nonRetryable} ends the step without further attempts. */
  public void failTask(String taskId, String errorType, String message, boolean nonRetryable) {
    if (errorType == null || errorType.isBlank()) {
      throw new IllegalArgumentException("failing task " + taskId + " needs an error type");
    }
    engine.taskOutcome(taskId, null, errorType, message, nonRetryable, false);
  }

  /** A worker's heartbeat for a task attempt (tasks with a heartbeat timeout). */
  public void heartbeatTask(String taskId) {
    engine.taskOutcome(taskId, null, null, null, false, true);
  }

  /**
   * Completes a durable promise as any party holding its id would ({@code WorkflowClient.completePromise}).
   *
   * <pre>{@code
   * // the workflow handed the id out in a task it emitted: read it back as the reviewer would
   * ReviewTask task = json.readValue(env.emitted("review-tasks").get(0).valueText(), ReviewTask.class);
   * env.completePromise(task.promiseId(), new Verdict(true, "fine"));
   * }</pre>
   */
  public void completePromise(String promiseId, Object value) {
    engine.settlePromise(promiseId, value, null, null);
  }

  /** Fails a durable promise: the workflow's {@code get()} throws {@code PromiseFailedException} with this type and message. */
  public void failPromise(String promiseId, String errorType, String message) {
    if (errorType == null || errorType.isBlank()) {
      throw new IllegalArgumentException("failing promise " + promiseId + " needs an error type");
    }
    engine.settlePromise(promiseId, null, errorType, message);
  }

  /**
   * The run's token stream so far (docs/streams.md): what its step attempts published with {@code
   * StepContext.publishPartial} (begin, chunks, end of each attempt), then the run's end, as a
   * follower would get it. Positions here just number the records.
   *
   * <pre>{@code
   * env.start("chat", "run-1", "hi");
   * assertThat(env.streamed("run-1")).filteredOn(e -> e.kind() == StreamEvent.Kind.CHUNK)
   *     .extracting(StreamEvent::text).containsExactly("Hel", "lo");
   * }</pre>
   */
  public List<io.stepstream.client.StreamEvent> streamed(String runId) {
    return engine.streamed(runId);
  }

  /** Records the workflows emitted to {@code topic} (declared with {@link Builder#emitTopics}), in order. */
  public List<EmittedRecord> emitted(String topic) {
    return engine.emitted(topic);
  }

  /** An environment with the workflows of these registrars (as the engine finds them in a workflows jar). */
  public static WorkflowTestEnvironment of(WorkflowRegistrar... registrars) {
    Builder builder = builder();
    for (WorkflowRegistrar r : registrars) {
      builder.register(r);
    }
    return builder.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts a run with a generated id ({@code run-1}, {@code run-2}, ...) and runs it until it waits or ends; returns the id. */
  public String start(String workflowType, Object input) {
    String runId;
    do {
      runId = "run-" + (++runCount);
    } while (engine.run(runId).isPresent());
    return start(workflowType, runId, input);
  }

  /**
   * Starts a run and runs it until it waits or ends; returns {@code runId}. Starting an id again is
   * what a duplicate request is to the engine: ignored.
   *
   * @throws IllegalArgumentException if no workflow of that type is registered
   */
  public String start(String workflowType, String runId, Object input) {
    Objects.requireNonNull(runId, "runId");
    if (registry.find(workflowType).isEmpty()) {
      throw new IllegalArgumentException(
          "no workflow type '" + workflowType + "' is registered with this test environment (registered: " + registry.types()
              + "); register it with WorkflowTestEnvironment.builder().register(...)");
    }
    engine.start(runId, workflowType, input);
    return runId;
  }

  /** Approves a run's approval as {@code approver}, with a valid token, and runs the run on. */
  public void approve(String runId, String approvalName, String approver) {
    approve(runId, approvalName, approver, null);
  }

  /** Approves with a comment ({@code Approval.comment()} in the workflow). */
  public void approve(String runId, String approvalName, String approver, String comment) {
    decide(Decision.approve(runId, approvalName).approver(approver).comment(comment));
  }

  /** Rejects a run's approval as {@code approver} and runs the run on. */
  public void reject(String runId, String approvalName, String approver) {
    reject(runId, approvalName, approver, null);
  }

  /** Rejects with a reason ({@code Approval.reason()} in the workflow). */
  public void reject(String runId, String approvalName, String approver, String reason) {
    decide(Decision.reject(runId, approvalName, reason).approver(approver));
  }

  /**
   * Sends a decision exactly as {@code WorkflowClient.decide(Decision)} does, with a valid token, and
   * runs the run on: the way to test "approve with changes" ({@link Decision#edited}, which the
   * workflow reads with {@code Approval.edited(Type.class)}) and approver groups.
   *
   * <pre>{@code
   * String runId = env.start("refund", new Refund("ada", 120));
   * env.decide(Decision.approve(runId, "manager").approver("alice").comment("half is fair")
   *     .edited(new Refund("ada", 60)));                    // the workflow sees a.edited(Refund.class)
   * assertThat(env.result(runId).output(Receipt.class).amount()).isEqualTo(60);
   * }</pre>
   *
   * <p>This environment does not verify approvers: the workflow sees {@link Decision#approver} and
   * {@link Decision#groups} as given, and an identity token is ignored.
   */
  public void decide(Decision decision) {
    engine.decide(Objects.requireNonNull(decision, "decision"));
  }

  /**
   * Cancels a run as {@code WorkflowClient.cancel} does, and returns the engine's answer. An accepted
   * cancel stops the run at its next step boundary (a waiting run at once: its timer, approval or
   * event wait is dropped), runs its compensations and ends it CANCELLED, all before this returns.
   * A parked run ends CANCELLED without compensating (its code cannot be replayed).
   *
   * <pre>{@code
   * String runId = env.start("trip", booking);                // books a hotel, then sleeps a day
   * CancelResult answer = env.cancel(runId, "customer changed their mind");
   * assertThat(answer.accepted()).isTrue();
   * assertThat(env.result(runId).status()).isEqualTo(RunStatus.CANCELLED);
   * assertThat(env.journal(runId)).extracting(JournalRecord::name).contains("compensate:hotel");
   *
   * assertThat(env.cancel(runId, "again").detail()).contains("already ended CANCELLED");  // rejected, not thrown
   * }</pre>
   */
  public CancelResult cancel(String runId, String reason) {
    return engine.cancel(Objects.requireNonNull(runId, "runId"), reason);
  }

  /**
   * Resumes a parked run as {@code WorkflowClient.resume} (or {@code stepstream resume}) does, and
   * returns the engine's answer: the run is dispatched again with the code registered now and runs
   * until it waits, ends or parks again. A run that is not parked is not touched (the answer says so).
   * Registrations are fixed when the environment is built, so test a fix by having the workflow's
   * behaviour depend on something the test switches (a flag, a fake), as a redeploy would change it.
   *
   * <pre>{@code
   * AtomicBoolean renamed = new AtomicBoolean(true);            // the "bad deploy"
   * // ... a workflow that, while renamed is set, reaches the recorded step "check" with ctx.sleep
   * env.advanceTime(Duration.ofHours(1));
   * assertThat(env.status(runId)).isEqualTo(RunStatus.PARKED);
   * renamed.set(false);                                          // the fix
   * assertThat(env.resume(runId).accepted()).isTrue();
   * assertThat(env.result(runId).isCompleted()).isTrue();
   * }</pre>
   */
  public ResumeResult resume(String runId) {
    return engine.resume(Objects.requireNonNull(runId, "runId"));
  }

  /** Sends an event to a run ({@code ctx.awaitEvent(name, ...)} receives {@code data}) and runs it on. */
  public void signal(String runId, String name, Object data) {
    engine.signal(runId, name, data);
  }

  /**
   * Sends a message to a session handler (docs/sessions.md) with message id {@code m-<n>} and runs
   * until nothing more happens; returns the turn's run id, whose {@link #result} is the reply.
   *
   * <pre>{@code
   * String turn = env.sendToSession("support-chat", "conv-1", "add-message", "hello");
   * assertThat(env.result(turn).output(Integer.class)).isEqualTo(1);
   * assertThat(env.sessionState("support-chat", "conv-1", Chat.class).history()).hasSize(1);
   * }</pre>
   */
  public String sendToSession(String sessionType, String sessionKey, String handler, Object payload) {
    String messageId = "m-" + (++sessionMessages);
    var json = io.stepstream.internal.codec.PayloadCodec.json().createObjectNode();
    json.put("sessionType", sessionType).put("handler", handler).put("messageId", messageId);
    if (payload != null) {
      json.set("payload", io.stepstream.internal.codec.PayloadCodec.json().valueToTree(payload));
    }
    engine.sessionMessage(sessionKey, json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return io.stepstream.internal.session.SessionIds.turnRunId(sessionType, sessionKey, messageId);
  }

  /** A session's committed state; the type's initial state is not made up here: null before its first turn. */
  public <S> S sessionState(String sessionType, String sessionKey, Class<S> stateType) {
    var stored = io.stepstream.internal.session.SessionReads.record(engine.sessionRecord(sessionType, sessionKey));
    if (stored == null || stored.state() == null) {
      return null;
    }
    try {
      return io.stepstream.internal.codec.PayloadCodec.json().treeToValue(stored.state(), stateType);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("the state of session " + sessionType + "/" + sessionKey + " is not a " + stateType.getName(), e);
    }
  }

  private int sessionMessages;

  /**
   * Moves virtual time forward by {@code duration}, firing every timer due on the way at its own
   * instant (sleeps, retry backoffs, approval and event deadlines) and running the runs it wakes.
   */
  public void advanceTime(Duration duration) {
    engine.advance(duration);
  }

  /** The current virtual time (starts at 2026-01-01T00:00:00Z unless the builder says otherwise). */
  public Instant now() {
    return engine.now();
  }

  /**
   * The run's final result.
   *
   * @throws IllegalStateException if the run has not ended (the message says what it waits for)
   */
  public RunResult result(String runId) {
    return findResult(runId).orElseThrow(() -> new IllegalStateException(
        "run " + runId + " has no result yet: it is " + describe(runId) + "; approve, signal or advanceTime to move it on"));
  }

  /** The run's final result, if it has ended. */
  public Optional<RunResult> findResult(String runId) {
    return engine.result(runId);
  }

  /**
   * Where the run is: RUNNING, WAITING (timer, approval, event), PARKED (non-determinism), or a final status.
   *
   * @throws IllegalArgumentException if no run has this id
   */
  public RunStatus status(String runId) {
    return Results.status(state(runId).getStatus());
  }

  /** Approvals runs are waiting for, oldest first (each with the token a client would use). */
  public List<PendingApproval> pendingApprovals() {
    return engine.pendingApprovals();
  }

  /** The run's journal in the order it was recorded. */
  public List<JournalRecord> journal(String runId) {
    state(runId);
    return engine.journal(runId).stream().map(JournalRecord::of).toList();
  }

  /** The run's audit events in the order they were written. */
  public List<AuditRecord> events(String runId) {
    return engine.events(runId).stream().map(AuditRecord::of).toList();
  }

  /** Records the engine could not process (malformed inputs), as {@code type: message}; empty in a healthy test. */
  public List<String> deadLetters() {
    return engine.deadLetters();
  }

  /** The run's history as a {@link WorkflowReplayer} replays it. */
  public WorkflowHistory history(String runId) {
    RunState run = state(runId);
    return new WorkflowHistory(runId, run.getWorkflowType(), engine.input(run), engine.journal(runId), run.getStatus());
  }

  /**
   * Writes the run's history to {@code file} in the history format (docs/testing.md), e.g. to keep
   * it under {@code src/test/resources/histories/} as a replay test for later versions of the code.
   */
  public void exportHistory(String runId, Path file) {
    history(runId).writeTo(file);
  }

  @Override
  public void close() {
    engine.close();
  }

  private RunState state(String runId) {
    return engine.run(runId).orElseThrow(() -> new IllegalArgumentException(
        "no run '" + runId + "' in this test environment; start(...) returns the ids of the runs it started"));
  }

  private String describe(String runId) {
    RunState run = engine.run(runId).orElse(null);
    if (run == null) {
      return "unknown to this environment (never started?)";
    }
    String waiting = run.getWaitingFor() == null ? "" : " for " + run.getWaitingFor();
    String parked = run.getParkedReason() == null ? "" : " (" + run.getParkedReason() + ")";
    return run.getStatus() + waiting + parked;
  }

  /** Registers workflows as {@code Stepstream.Builder} does; {@link #build()} makes the environment. */
  public static final class Builder implements WorkflowRegistration {
    private final Registrations registrations = new Registrations();
    private Instant start = InMemoryEngine.DEFAULT_START;
    private final List<String> emitTopics = new java.util.ArrayList<>();
    private final List<String> taskQueues = new java.util.ArrayList<>();
    private final java.util.Map<String, io.stepstream.internal.limits.LimiterSpec> limiters = new java.util.TreeMap<>();
    private final List<io.stepstream.internal.limits.KeyBudgetSpec> keyBudgets = new java.util.ArrayList<>();

    private Builder() {}

    /**
     * Declares a limiter as {@code Stepstream.Builder.limiter} does (docs/flow-control.md); without
     * it, a step naming the limiter parks its run ({@code UNKNOWN_LIMITER}), as on an engine. Rate
     * limits are enforced in virtual time: {@link #advanceTime} lets waiting steps through.
     *
     * <pre>{@code
     * WorkflowTestEnvironment env = WorkflowTestEnvironment.builder()
     *     .limiter(Limiter.named("openai-gpt-4o").maxConcurrent(2))
     *     .register(new SupportWorkflows())
     *     .build();
     * }</pre>
     */
    public Builder limiter(io.stepstream.engine.Limiter limiter) {
      Objects.requireNonNull(limiter, "limiter");
      limiters.put(limiter.name(), new io.stepstream.internal.limits.LimiterSpec(limiter.name(), limiter.maxConcurrent(),
          limiter.requestsPerMinute(), limiter.tokensPerMinute(), limiter.lease()));
      return this;
    }

    /**
     * A budget per budget key starting with {@code keyPrefix}, as {@code Stepstream.Builder.keyBudget}:
     * once a key has spent it, its steps throw {@link io.stepstream.BudgetExceededException}.
     *
     * <pre>{@code
     * WorkflowTestEnvironment.builder().keyBudget("tenant:", Budget.ofTokens(100)).register(...).build();
     * }</pre>
     */
    public Builder keyBudget(String keyPrefix, io.stepstream.Budget budget) {
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      Objects.requireNonNull(budget, "budget");
      keyBudgets.add(new io.stepstream.internal.limits.KeyBudgetSpec(keyPrefix, budget.maxTokens(), budget.maxCost(), 0));
      return this;
    }

    @Override
    public <I, O> Builder register(String workflowType, Class<I> inputType, Workflow<I, O> workflow) {
      registrations.register(workflowType, inputType, workflow);
      return this;
    }

    @Override
    public <I, O> Builder register(String workflowType, Class<I> inputType, Workflow<I, O> workflow, RetryPolicy retry) {
      registrations.register(workflowType, inputType, workflow, retry);
      return this;
    }

    /** Registers a session type (docs/sessions.md); usually through {@code session(name, State.class, State::new)}. */
    @Override
    public Builder register(io.stepstream.SessionType<?> sessionType) {
      registrations.register(sessionType);
      return this;
    }

    /** Registers what a workflows jar's registrar registers. */
    public Builder register(WorkflowRegistrar registrar) {
      registrations.register(registrar);
      return this;
    }

    /** The retry policy of steps of workflows registered without one (default {@link RetryPolicy#DEFAULT}). */
    public Builder defaultRetryPolicy(RetryPolicy policy) {
      registrations.defaultRetry(Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /** Where virtual time starts (default 2026-01-01T00:00:00Z). */
    public Builder startAt(Instant instant) {
      this.start = Objects.requireNonNull(instant, "instant");
      return this;
    }

    /** Topics workflows may emit to, as {@code Stepstream.Builder.emitTopics}; read them with {@link #emitted}. */
    public Builder emitTopics(String... topics) {
      emitTopics.addAll(List.of(topics));
      return this;
    }

    /** Task queues workflows may hand remote tasks to, as {@code Stepstream.Builder.taskQueues}; read them with {@link #tasks}. */
    public Builder taskQueues(String... queues) {
      taskQueues.addAll(List.of(queues));
      return this;
    }

    public WorkflowTestEnvironment build() {
      return new WorkflowTestEnvironment(registrations.build(), start, List.copyOf(emitTopics), List.copyOf(taskQueues),
          new io.stepstream.internal.limits.FlowControl(limiters, keyBudgets));
    }
  }
}
