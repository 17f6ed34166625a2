package io.stepstream;

/**
 * What a step body knows about itself.
 *
 * <pre>{@code
 * ctx.step("charge", Receipt.class, s -> payments.charge(order, s.idempotencyKey()));
 * }</pre>
 */
public interface StepContext {

  String runId();

  String stepName();

  /** 1 for the first attempt. */
  int attempt();

  /**
   * Reports progress of a long step. Resets the heartbeat timeout; {@code details} (may be null) are
   * journaled, at most about once a second, and the next attempt can read them with {@link
   * #lastHeartbeat(Class)} to resume where this one stopped.
   */
  void heartbeat(Object details);

  /** Details of the last journaled heartbeat of this step, from this or an earlier attempt. */
  <T> java.util.Optional<T> lastHeartbeat(Class<T> type);

  /**
   * {@code <runId>/<stepName>}: the same for every attempt and every re-execution after a crash,
   * so an external system that deduplicates on it applies the effect once.
   */
  default String idempotencyKey() {
    return runId() + "/" + stepName();
  }

  // ---- exactly-once emit ----

  /**
   * Writes a record to a Kafka topic of yours if and only if this attempt's success is committed:
   * the records a step emits travel with its result in one journal update, and the engine writes
   * them in the transaction that commits it. A failed attempt's records are dropped; a step that
   * ran again (after a crash) writes nothing, since the first result stands. Value encoding and
   * headers as {@link WorkflowContext#emit(String, String, Object)}.
   *
   * <pre>{@code
   * // BAD: at-least-once: a retry, or a crash after the send, sends it again
   * ctx.step("quote", Quote.class, s -> {
   *   Quote q = pricing.quote(order);
   *   producer.send(new ProducerRecord<>("quotes", order.id(), json(q)));
   *   return q;
   * });
   *
   * // GOOD: written once, together with the step's result (the value the run sees)
   * ctx.step("quote", Quote.class, s -> {
   *   Quote q = pricing.quote(order);
   *   s.emit("quotes", order.id(), q);
   *   return q;
   * });
   * }</pre>
   *
   * @throws IllegalArgumentException if {@code topic} is not declared by the engine: the attempt fails
   */
  default void emit(String topic, String key, Object value) {
    emit(topic, key, value, java.util.Map.of());
  }

  /** {@link #emit(String, String, Object)} with record headers of your own (not starting with {@code stepstream.}). */
  void emit(String topic, String key, Object value, java.util.Map<String, String> headers);

  // ---- usage and budgets ----

  /**
   * Reports what this attempt consumed from a model provider; calls add up. The usage is journaled
   * with the attempt (a failed attempt's usage counts too: it was spent), added to the run's and
   * the budget key's totals, checked against budgets before the next step, and reconciled with
   * the tokens-per-minute limiters the step used.
   *
   * <pre>{@code
   * ctx.step("summarize", String.class, s -> {
   *   ChatResponse r = model.chat(messages);
   *   s.reportUsage(Usage.tokens(r.tokenUsage().inputTokenCount(), r.tokenUsage().outputTokenCount()));
   *   return r.aiMessage().text();
   * });
   * }</pre>
   */
  void reportUsage(Usage usage);

  // ---- durable token streams ----

  /**
   * Publishes partial output of this attempt (an LLM's tokens as they arrive) to the run's stream,
   * {@code <prefix>.streams}, for followers: {@code WorkflowClient.followStream}, the engine's
   * {@code GET /api/runs/{runId}/stream} (server-sent events), or any Kafka client
   * (docs/streams.md). Returns once the text is handed to the producer, without waiting for the
   * broker. The step's return value is still what the run records and uses: the stream is for
   * people watching, not for the workflow.
   *
   * <p>At least once: written outside the engine's transaction, so a retried or re-executed attempt
   * streams again, under a new {@code begin} with its own attempt number and execution id; its end
   * marker says whether it succeeded. Once the step succeeded and is journaled, a replay never
   * runs its body again, so nothing is streamed again.
   *
   * <pre>{@code
   * String answer = ctx.step("answer", String.class, s -> {
   *   StringBuilder all = new StringBuilder();
   *   model.chat(messages, token -> {   // called as tokens arrive
   *     s.publishPartial(token);
   *     all.append(token);
   *   });
   *   return all.toString();            // the final value, recorded exactly once
   * });
   *
   * // BAD: the stream as the step's output: it is transient (retention) and at-least-once, and a
   * // replay gets the step's return value, here nothing
   * ctx.step("answer", Void.class, s -> { model.chat(messages, s::publishPartial); return null; });
   * }</pre>
   *
   * @param text a piece of output; empty text is ignored
   * @throws IllegalArgumentException if {@code text} is longer than 262,144 characters (one record): publish it in pieces
   * @throws IllegalStateException if the attempt has ended (a body still running after its timeout)
   */
  void publishPartial(String text);
}
