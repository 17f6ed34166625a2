package io.stepstream;

import java.time.Instant;
import java.util.UUID;

/**
 * What workflow code may use to act on the world durably. Every method records its result in the
 * run's journal; on replay the recorded result is returned instead of acting again.
 *
 * <p>Steps are matched to the journal by <b>name</b>, not by position, so adding a step before
 * completed ones does not disturb running workflows. Names must be unique within a run; in loops,
 * include the index:
 *
 * <pre>{@code
 * for (int i = 0; i < tools.size(); i++) {
 *   int n = i;
 *   results.add(ctx.step("tool-" + n, String.class, s -> tools.get(n).call()));
 * }
 * }</pre>
 *
 * <p><b>One thread.</b> The context belongs to the thread running the workflow. Using it from any
 * other thread (steps submitted to an executor, a parallel stream, a step body calling {@code
 * ctx.step}) throws {@link IllegalStateException} at once, and the run then fails. For parallel
 * work use {@link #stepAsync}: each branch runs on its own thread, is journaled and retried on its
 * own, and is awaited durably. A step body uses its {@link StepContext}, which works on the step's
 * own thread.
 *
 * <pre>{@code
 * // BAD: fails at once; the context is bound to the workflow's thread
 * pool.submit(() -> ctx.step("fetch-" + n, Page.class, s -> http.get(urls.get(n))));
 *
 * // GOOD: parallel branches, each journaled on its own
 * List<DurableFuture<Page>> pages = new ArrayList<>();
 * for (int i = 0; i < urls.size(); i++) {
 *   String url = urls.get(i);
 *   pages.add(ctx.stepAsync("fetch-" + i, Page.class, s -> http.get(url)));
 * }
 * List<Page> all = ctx.all(pages);
 * }</pre>
 *
 * <p><b>Determinism footguns</b> (the code between steps runs again on every replay):
 *
 * <pre>{@code
 * // BAD: differs on replay, so a later branch may take another path than the journal recorded
 * if (Instant.now().isAfter(deadline)) { ... }
 * String id = UUID.randomUUID().toString();
 * String page = httpClient.get(url);               // I/O outside a step: repeated on every replay
 *
 * // GOOD: recorded once, replayed identically
 * if (ctx.now("checked-at").isAfter(deadline)) { ... }
 * String id = ctx.randomUUID("order-id").toString();
 * String page = ctx.step("fetch-page", String.class, s -> httpClient.get(url));
 * }</pre>
 */
public interface WorkflowContext {

  /** The run id (the key of the run's records on every topic). */
  String runId();

  /** The name this workflow type was registered under. */
  String workflowType();

  /**
   * Runs {@code fn} once and records its result under {@code name}; a replay returns the recorded
   * result. The function runs on an executor thread and is executed <b>at least once</b>: pass
   * {@link StepContext#idempotencyKey()} to external systems so the effect happens once.
   *
   * <p>The value returned is the one decoded from the journal, the first time as on every replay:
   * declare a class the value round-trips through (a record, a POJO, an Avro generated type). A
   * result that cannot be read back as {@code type} fails the step at once ({@code
   * RESULT_NOT_DECODABLE}); a generic type such as {@code List.class} returns its elements as maps.
   *
   * @param name unique within the run; the journal is matched by it
   * @param type the result type, used to decode the recorded value ({@code Void.class} for none)
   * @throws StepFailedException if the step threw (any {@link Throwable}, {@link Error}s included)
   *     and attempts ran out; catch it to fall back or compensate
   * @throws NonDeterminismException if {@code name} was recorded by a different kind of call, or its
   *     recorded value no longer decodes as {@code type}: the run is parked
   */
  <T> T step(String name, Class<T> type, StepFunction<T> fn);

  /**
   * A step with its own retry policy and timeouts. Failed attempts are retried after a durable
   * backoff; when attempts run out, {@link StepFailedException} carries the step name, the number
   * of attempts and the last error.
   */
  <T> T step(String name, Class<T> type, StepOptions options, StepFunction<T> fn);

  /**
   * A step whose result is a generic type: {@code new TypeRef<List<Finding>>() {}} decodes the
   * elements as {@code Finding}s, where {@code List.class} would give maps.
   */
  <T> T step(String name, TypeRef<T> type, StepFunction<T> fn);

  /** A step with a generic result type and its own retry policy and timeouts. */
  <T> T step(String name, TypeRef<T> type, StepOptions options, StepFunction<T> fn);

  /**
   * A step without a result.
   *
   * <pre>{@code
   * // BAD: a made-up result type and a null to return
   * ctx.step("notify", Void.class, s -> { mailer.send(owner, text); return null; });
   *
   * // GOOD
   * ctx.run("notify", s -> mailer.send(owner, text, s.idempotencyKey()));
   * }</pre>
   */
  void run(String name, StepAction action);

  /** A step without a result, with its own retry policy and timeouts. */
  void run(String name, StepOptions options, StepAction action);

  /**
   * Starts a step without waiting for it: a parallel branch. The body runs on its own thread (at
   * most a bounded number per run at once, {@code Stepstream.Builder.maxParallelStepsPerRun}; the
   * rest start as others finish, in the order they were created); its outcome is journaled under
   * {@code name} like a step's, failed attempts are retried on its own backoff, and a replay
   * returns the recorded outcome without running it again. Wait for it with {@link
   * DurableFuture#get()}, {@link #all} or {@link #any}.
   *
   * <p>Before the run waits durably (a sleep, an approval, a retry backoff) or ends, branches still
   * running are waited for and journaled: their work is never thrown away. A branch that is never
   * awaited does not fail the run and is not retried after the run ends.
   *
   * @param name unique within the run, like every step name
   */
  <T> DurableFuture<T> stepAsync(String name, Class<T> type, StepFunction<T> fn);

  /** A parallel branch with its own retry policy and timeouts. */
  <T> DurableFuture<T> stepAsync(String name, Class<T> type, StepOptions options, StepFunction<T> fn);

  /** A parallel branch with a generic result type. */
  <T> DurableFuture<T> stepAsync(String name, TypeRef<T> type, StepFunction<T> fn);

  /** A parallel branch with a generic result type, its own retry policy and timeouts. */
  <T> DurableFuture<T> stepAsync(String name, TypeRef<T> type, StepOptions options, StepFunction<T> fn);

  /**
   * Waits for every future and returns their results in the order given (fan-in). If one failed,
   * throws the failure of the first failed future in that order; the other branches still finish
   * and are journaled.
   */
  <T> java.util.List<T> all(java.util.List<? extends DurableFuture<? extends T>> futures);

  /**
   * Waits until at least one of {@code futures} has a result and returns that future (call {@link
   * DurableFuture#get()} on it). When several have finished, the first in the list wins. The
   * choice is journaled, so a replay returns the same future even if the others have finished by
   * then.
   */
  <F extends DurableFuture<?>> F any(java.util.List<F> futures);

  /**
   * A version marker for changing workflow code while runs are in flight. The first time a run
   * reaches the marker it records {@code maxSupported}; a run that passed this point before the
   * marker existed (its journal already holds what came after) gets {@link #DEFAULT_VERSION}; later
   * passes return what was recorded.
   *
   * <pre>{@code
   * // BAD: runs parked on the approval below replay into a step they never ran before it
   * ctx.step("fraud-check", Score.class, s -> fraud.score(order));
   *
   * // GOOD: runs that already passed this point keep the old path
   * if (ctx.version("fraud-check", DEFAULT_VERSION, 1) >= 1) {
   *   ctx.step("fraud-check", Score.class, s -> fraud.score(order));
   * }
   * Approval a = ctx.awaitApproval("manager", request, Duration.ofDays(2));
   * }</pre>
   *
   * <p>Once no run older than a change can be in flight, raise {@code minSupported} and delete
   * the old branch; a run that recorded a version outside {@code [minSupported, maxSupported]} is
   * parked with a {@link NonDeterminismException} naming the change and both versions.
   *
   * @param changeId unique within the workflow, journaled as {@code $version:<changeId>}
   */
  int version(String changeId, int minSupported, int maxSupported);

  /** What {@link #version} returns for a run that passed the marker before it existed. */
  int DEFAULT_VERSION = 0;

  /**
   * True while the code is answered from the journal: it has not yet reached everything the run
   * recorded. Use it (or {@link #logger()}) to keep side-effect-free diagnostics from repeating.
   */
  boolean isReplaying();

  /** A logger that is silent while {@link #isReplaying()}: each message once per run. */
  WorkflowLogger logger();

  /**
   * Durable sleep: the run is parked (no thread, no memory) and dispatched again when {@code
   * duration} has passed, across restarts. {@code name} is journaled like a step name.
   */
  void sleep(String name, java.time.Duration duration);

  /** Durable sleep until an instant (returns at once if it is already past). */
  void sleepUntil(String name, Instant until);

  /**
   * Registers a compensation to run if the workflow later fails or is cancelled (or calls {@link
   * #compensate()}): in reverse order of registration, each as a durable step named {@code
   * "compensate:" + name} with the default retry policy.
   *
   * <pre>{@code
   * Reservation r = ctx.step("reserve", Reservation.class, s -> hotel.reserve(trip, s.idempotencyKey()));
   * ctx.addCompensation("reserve", s -> hotel.cancel(r.id(), s.idempotencyKey()));
   * }</pre>
   */
  void addCompensation(String name, StepFunction<?> compensation);

  /** Same, with options (retry policy, timeouts) for the compensation step. */
  void addCompensation(String name, StepOptions options, StepFunction<?> compensation);

  /** Runs the registered compensations now, in reverse order, and forgets them. */
  void compensate();

  /**
   * Asks a human and waits, durably, for the decision: the request is published on {@code
   * <prefix>.approval-requests}; the run is parked (no thread, no memory) until a valid decision
   * arrives on {@code <prefix>.approvals} or {@code timeout} passes. A decision that arrived before
   * this point was stored and is used now. Only the first valid decision counts.
   *
   * @throws ApprovalTimeoutException on timeout, unless the request asked for a timed-out decision
   */
  Approval awaitApproval(String name, ApprovalRequest request, java.time.Duration timeout);

  /**
   * Waits, durably, for an external event named {@code name} on {@code <prefix>.signals} (keyed by
   * this run's id) and returns its payload. Events that arrived earlier were stored and count.
   *
   * @throws EventTimeoutException if none arrives within {@code timeout}
   */
  <T> T awaitEvent(String name, Class<T> type, java.time.Duration timeout);

  /** Same, but only an event whose payload satisfies {@code match} resolves the wait; others are skipped. */
  <T> T awaitEvent(String name, Class<T> type, java.time.Duration timeout, java.util.function.Predicate<T> match);

  /**
   * Recorded wall-clock time, journaled under {@code name} like a step: the same value on every
   * replay, wherever other recorded values are added or removed. Prefer it to {@link #now()}.
   *
   * <pre>{@code
   * Instant started = ctx.now("started");
   * }</pre>
   *
   * @param name unique within the run (steps, waits and recorded values share the names)
   */
  Instant now(String name);

  /** Recorded random UUID, journaled under {@code name}: see {@link #now(String)}. */
  UUID randomUUID(String name);

  /**
   * Recorded wall-clock time, journaled by position ({@code $now:1}, {@code $now:2}, ...). Adding
   * or removing an unnamed {@code now()}/{@code randomUUID()} call before journaled entries would
   * hand every later value to another call, so a replay that reaches a journaled entry after a
   * different number of unnamed values parks the run ({@link NonDeterminismException}); use {@link
   * #now(String)} in code that may change.
   */
  Instant now();

  /** Recorded random UUID, journaled by position ({@code $uuid:1}, ...): see {@link #now()}. */
  UUID randomUUID();

  // ---- exactly-once emit ----

  /**
   * Writes a record to a Kafka topic of yours <b>exactly once</b>: it is journaled with the run, and
   * the engine writes it to {@code topic} in the same Kafka transaction that commits the journal
   * entry, so a {@code read_committed} consumer sees it once, and only if the run's progress up to
   * here is committed. On replay it is not written again.
   *
   * <pre>{@code
   * // BAD: a producer of your own is at-least-once: the code between steps runs again on every
   * // replay, so the record is sent again after every crash, wait or retry
   * producer.send(new ProducerRecord<>("orders.shipped", order.id(), json(order)));
   *
   * // GOOD: journaled with the run, written once by the engine in its transaction
   * ctx.emit("orders.shipped", order.id(), new Shipped(order.id(), tracking));
   * }</pre>
   *
   * <p>The value is written as UTF-8 for a {@code String}, as is for a {@code byte[]}, and as JSON
   * (the engine's Jackson settings) for anything else; {@code null} writes a tombstone. The engine
   * adds the headers {@code stepstream.run-id} and {@code stepstream.emit} (the journal entry's name).
   *
   * <p>Emits are journaled by position ({@code $emit:1}, {@code $emit:2}, ...), like {@link #now()}.
   * A replay checks that the n-th emit is the same record (topic, key, value, headers) as the one
   * journaled: an emit added, removed or changed before journaled ones parks the run ({@link
   * NonDeterminismException}) before anything is written, instead of skipping a new record or
   * writing an old one twice. So emit deterministic values (from steps and recorded values).
   *
   * @param topic one of the topics the engine declares ({@code Stepstream.builder().emitTopics(...)});
   *     the engine never creates it
   * @param key the record key (UTF-8), or null
   * @throws IllegalArgumentException at once, if {@code topic} is not declared or the value cannot be
   *     encoded (the run then fails like on any exception the workflow does not catch)
   */
  default void emit(String topic, String key, Object value) {
    emit(topic, key, value, java.util.Map.of());
  }

  /**
   * {@link #emit(String, String, Object)} with record headers of your own (names must not start
   * with {@code stepstream.}).
   */
  void emit(String topic, String key, Object value, java.util.Map<String, String> headers);

  // ---- remote tasks: steps executed by workers in any language ----

  /**
   * A step executed by an external worker, in any language: the engine writes a task record (run,
   * step, attempt, idempotency key, {@code input} as JSON, deadline) to the topic of {@code queue},
   * {@code <prefix>.tasks.<queue>}, exactly once per attempt; a worker takes it (a Kafka share group
   * or consumer group), executes it and writes the outcome to the signals topic; the run is parked,
   * holding no thread, until then. The first outcome of an attempt wins; an attempt that times out
   * (or misses its heartbeats) is abandoned (its late outcome is ignored, workers get a cancel
   * notice) and retried with backoff under the retry policy, as a local step. The protocol:
   * docs/clients.md "Remote tasks"; worker libraries for Java, Python and Node.js.
   *
   * <pre>{@code
   * Summary s = ctx.task("summarize", "llm-tasks", new Doc(text), Summary.class,
   *     TaskOptions.defaults().withTimeout(Duration.ofSeconds(30)).withHeartbeatTimeout(Duration.ofSeconds(10)));
   * }</pre>
   *
   * <p>Exactly once: the task record per attempt, and which outcome the run goes on with. At least
   * once: the worker's execution (a worker that dies mid-task has it redelivered); pass the task's
   * idempotency key ({@code <runId>/<name>}, the same for every attempt) to outside systems.
   *
   * @param name unique within the run, like a step name
   * @param queue the task queue; the engine must declare it ({@code Stepstream.builder().taskQueues(queue)})
   * @param input written as JSON (a String, a record or POJO Jackson can write; null for none)
   * @param type the result's type, decoded from the worker's JSON
   * @throws StepFailedException when the last attempt failed, timed out, or the worker said the
   *     failure is not retryable; its {@code errorType()} is the worker's error type ({@code
   *     TASK_TIMEOUT} for a timeout)
   */
  <T> T task(String name, String queue, Object input, Class<T> type, TaskOptions options);

  /** {@link #task(String, String, Object, Class, TaskOptions)} with {@link TaskOptions#defaults()}. */
  default <T> T task(String name, String queue, Object input, Class<T> type) {
    return task(name, queue, input, type, TaskOptions.defaults());
  }

  // ---- durable promises, waits without a deadline ----

  /**
   * A durable promise named {@code name}: a value someone outside provides later. Its {@link
   * DurablePromise#id() id} is the same on every replay, so hand it out in a step, then wait with
   * {@link DurablePromise#get()}. Anyone holding the id completes it: a record on the signals topic,
   * {@code WorkflowClient.completePromise(id, value)}, or {@code stepstream promise complete <id>}.
   * A completion that arrives before the workflow gets here is kept; the first completion wins.
   *
   * <pre>{@code
   * // BAD: an id made up by hand, and polling: a step per poll, each replayed, and nobody can
   * // complete it but code that knows how the id was built
   * String id = ctx.runId() + "-approval";
   * while (!ctx.step("poll-" + i++, Boolean.class, s -> db.isDone(id))) ctx.sleep("wait-" + i, Duration.ofMinutes(1));
   *
   * // GOOD: an opaque id anyone can complete; the run is parked, holding nothing, until then
   * DurablePromise<Verdict> review = ctx.promise("review", Verdict.class);
   * ctx.step("send-review-task", Void.class, s -> { queue.send(new ReviewTask(doc, review.id())); return null; });
   * Verdict verdict = review.get();
   * }</pre>
   *
   * @param name unique within the run (steps, waits, promises and recorded values share the names)
   * @param type the value's type, used to decode it
   */
  <T> DurablePromise<T> promise(String name, Class<T> type);

  /**
   * Like {@link #awaitApproval(String, ApprovalRequest, java.time.Duration)}, without a deadline:
   * the run waits (parked, no timer) until a valid decision arrives or the run is cancelled. The
   * approval request says {@code deadline: 0}, and its token does not expire.
   *
   * <pre>{@code
   * // BAD: a made-up "forever" that is a date in the far future on every approval request
   * ctx.awaitApproval("sign-off", request, Duration.ofDays(365_000));
   *
   * // GOOD: says what it means
   * ctx.awaitApproval("sign-off", request);
   * }</pre>
   */
  Approval awaitApproval(String name, ApprovalRequest request);

  /** Like {@link #awaitEvent(String, Class, java.time.Duration)}, without a deadline: waits until the event arrives. */
  <T> T awaitEvent(String name, Class<T> type);

  /** Like {@link #awaitEvent(String, Class, java.time.Duration, java.util.function.Predicate)}, without a deadline. */
  <T> T awaitEvent(String name, Class<T> type, java.util.function.Predicate<T> match);

  // ---- child workflows ----

  /**
   * Starts a child run of {@code workflowType} and returns its future; {@link DurableFuture#get()}
   * waits for it durably (the parent holds no thread while the child runs) and returns its output,
   * or throws {@link ChildWorkflowFailedException} if the child FAILED or was CANCELLED.
   *
   * <p>The child's run id is {@code <this run id>::<name>} (or {@link ChildOptions#runId}): the same
   * on every replay, so a replay or a re-executed pass never starts a second child. {@code name} is
   * journaled like a step name (unique within the run). The child runs wherever its run id's
   * partition is, like any run; its result also goes to the results topic. If this run ends while the
   * child is unfinished, the child is cancelled ({@link ParentClosePolicy}); cancelling this run
   * therefore cancels its children.
   *
   * <p>At most {@link ChildOptions#maxActiveChildren} (default 100) children are active at once: a
   * call beyond it queues the child, and it starts on a later pass once earlier children finished.
   *
   * <pre>{@code
   * // bad: a hand-made child run reporting back through a static client and an event
   * ctx.step("start-" + i, String.class, s -> Clients.INSTANCE.start("research", q)); // ids, retries, cancellation: yours
   * Finding f = ctx.awaitEvent("done-" + i, Finding.class, Duration.ofDays(1));
   *
   * // good: the engine starts it once, journals its result, and cancels it with the parent
   * List<DurableFuture<Finding>> children = new ArrayList<>();
   * for (int i = 0; i < queries.size(); i++) {
   *   children.add(ctx.startChild("research-" + i, "research", queries.get(i), Finding.class));
   * }
   * List<Finding> findings = new ArrayList<>();
   * for (DurableFuture<Finding> child : children) {
   *   findings.add(child.get());
   * }
   * }</pre>
   *
   * @param name unique within the run; names the child's journal entries
   * @param workflowType the type the child workflow is registered under (on any engine instance of this application)
   * @param input the child's input, encoded like a step result
   * @param outputType the child's output type
   */
  default <O> DurableFuture<O> startChild(String name, String workflowType, Object input, Class<O> outputType) {
    return startChild(name, workflowType, input, outputType, ChildOptions.defaults());
  }

  /** {@link #startChild(String, String, Object, Class)} with options: explicit run id, concurrency bound, parent-close policy. */
  <O> DurableFuture<O> startChild(String name, String workflowType, Object input, Class<O> outputType, ChildOptions options);

  // ---- usage and budgets ----

  /**
   * Sets this run's budget from here on: a step that would start once the run's usage (what its
   * steps reported with {@link StepContext#reportUsage}) reached a limit throws {@link
   * BudgetExceededException} instead of running. Call it first thing, from workflow code (so every
   * replay sets the same budget). Checked before each step's attempt (the first and every retry),
   * never during one: a running step is not stopped, so the run can overshoot by what the steps
   * already started spend. Compensations are never refused. The refusal is journaled: a replay
   * refuses the same step. See docs/budgets.md.
   *
   * <pre>{@code
   * ctx.budget(Budget.ofTokens(20_000));
   * }</pre>
   */
  void budget(Budget budget);

  /**
   * What this run's steps reported so far: every attempt of each step whose outcome the code has
   * received (an inline step's call returned or threw; a parallel step's {@code get()}, or {@code
   * all()}, returned or threw). Failed and timed-out attempts count: they were spent. Journaled, so
   * the same on every replay at the same point of the code.
   *
   * <pre>{@code
   * String draft = ctx.step("draft", String.class, s -> llm.write(brief, s));
   * ctx.logger().info("draft used {} tokens so far", ctx.usage().totalTokens());
   * }</pre>
   *
   * <p>BAD: reading it right after {@code stepAsync} to decide something; a branch's usage counts
   * only once its future's outcome is received. GOOD: read it after {@code ctx.all(futures)}.
   */
  Usage usage();
}
