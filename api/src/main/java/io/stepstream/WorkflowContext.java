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
 * ctx.step}) throws {@link IllegalStateException} at once, and the run then fails: parallel steps
 * are not supported yet. Do the work in a single step, or in sequential steps. A step body uses its
 * {@link StepContext}, which works on the step's own thread.
 *
 * <pre>{@code
 * // BAD: fails at once; the context is bound to the workflow's thread
 * pool.submit(() -> ctx.step("fetch-" + n, Page.class, s -> http.get(urls.get(n))));
 *
 * // GOOD: one step does the parallel work and records the whole result
 * Pages pages = ctx.step("fetch-all", Pages.class, s -> new Pages(fetchInParallel(urls)));
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
}
