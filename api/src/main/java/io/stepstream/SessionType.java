package io.stepstream;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A session type: an entity per key (a conversation, a customer) with durable state, changed one
 * turn at a time by its exclusive handlers and read by its shared handlers. Declared with {@link
 * WorkflowRegistration#session}; the engine keeps one state per (type, key) as a snapshot, so turn
 * N costs what turn 1 costs (no earlier turn is replayed). See docs/sessions.md.
 *
 * <pre>{@code
 * workflows.session("agent-session", Chat.class, Chat::empty)
 *     .exclusive("add-message", String.class, (ctx, chat, text) -> Turn.of(chat.with("user", text), chat.size() + 1))
 *     .exclusive("generate-reply", Void.class, (ctx, chat, none) -> {
 *       String reply = ctx.step("llm", String.class, s -> llm.complete(chat.messages(), s.idempotencyKey()));
 *       return Turn.of(chat.with("assistant", reply), reply);
 *     })
 *     .shared("get-history", chat -> chat.messages());
 * }</pre>
 *
 * <p>BAD: keeping state in a field of the handler's class (it is lost on a crash and differs between
 * instances). GOOD: return it as the turn's new state ({@link Turn#of}); the engine stores it.
 *
 * @param <S> the state: a record/POJO Jackson can write and read as JSON
 */
public final class SessionType<S> {
  private final String name;
  private final Class<S> stateType;
  private final Supplier<S> initialState;
  private final Map<String, Exclusive<S, ?, ?>> exclusive = new LinkedHashMap<>();
  private final Map<String, SharedHandler<S, ?>> shared = new LinkedHashMap<>();

  /** A session type named {@code name}; most code uses {@link WorkflowRegistration#session} instead. */
  public SessionType(String name, Class<S> stateType, Supplier<S> initialState) {
    if (name == null || name.isBlank() || name.contains("/") || name.contains("#")) {
      throw new IllegalArgumentException("a session type needs a non-blank name without '/' or '#', got '" + name + "'");
    }
    this.name = name;
    this.stateType = Objects.requireNonNull(stateType, "stateType");
    this.initialState = Objects.requireNonNull(initialState, "initialState (the state of a key's first turn)");
  }

  /**
   * Adds an exclusive handler: it runs as one turn of the session (one at a time per key, in
   * arrival order), as a durable execution with steps, and returns the new state and the reply.
   *
   * @param handler the handler's name, as messages name it ({@code "handler": "add-message"})
   * @param messageType what the message's payload binds to ({@code Void.class} for none)
   */
  public <M, R> SessionType<S> exclusive(String handler, Class<M> messageType, ExclusiveHandler<S, M, R> body) {
    checkNew(handler);
    exclusive.put(handler, new Exclusive<>(messageType, Objects.requireNonNull(body, "body")));
    return this;
  }

  /**
   * Adds a shared handler: it reads the last committed state without waiting for a running turn
   * (HTTP {@code GET /api/sessions/{type}/{key}/{handler}}, {@code WorkflowClient.querySession}).
   * It must not change anything: it has no context and no steps.
   */
  public <R> SessionType<S> shared(String handler, SharedHandler<S, R> body) {
    checkNew(handler);
    shared.put(handler, Objects.requireNonNull(body, "body"));
    return this;
  }

  private void checkNew(String handler) {
    if (handler == null || handler.isBlank()) {
      throw new IllegalArgumentException("session type '" + name + "': a handler needs a non-blank name");
    }
    if (exclusive.containsKey(handler) || shared.containsKey(handler)) {
      throw new IllegalArgumentException("session type '" + name + "' has a handler '" + handler + "' already");
    }
  }

  public String name() {
    return name;
  }

  public Class<S> stateType() {
    return stateType;
  }

  /** A new key's state before its first turn. */
  public S initialState() {
    return initialState.get();
  }

  /** The exclusive handlers by name, in the order they were added. */
  public Map<String, Exclusive<S, ?, ?>> exclusiveHandlers() {
    return Collections.unmodifiableMap(exclusive);
  }

  /** The shared handlers by name, in the order they were added. */
  public Map<String, SharedHandler<S, ?>> sharedHandlers() {
    return Collections.unmodifiableMap(shared);
  }

  /** An exclusive handler with the type its messages bind to. */
  public record Exclusive<S, M, R>(Class<M> messageType, ExclusiveHandler<S, M, R> body) {}

  /**
   * One turn of a session: the handler of a message.
   *
   * <pre>{@code
   * ExclusiveHandler<Cart, Item, Integer> add = (ctx, cart, item) -> {
   *   Price p = ctx.step("price", Price.class, s -> prices.of(item));   // journaled: not called again on a retry of this turn
   *   Cart next = cart.plus(item, p);
   *   return Turn.of(next, next.count());
   * };
   * }</pre>
   *
   * <p>BAD: {@code cart.items().add(item); return Turn.of(cart, ...)} mutates the state in place: a
   * turn that fails or is interrupted must leave the stored state as it was, and does (the stored
   * snapshot is never the object you got), but code after the mutation sees a half-changed value.
   * GOOD: build the next state as a new value.
   */
  @FunctionalInterface
  public interface ExclusiveHandler<S, M, R> {
    /**
     * Runs (or replays, after a crash) one turn. Throwing fails the turn: the state stays as it
     * was, the caller gets the error, and the next message runs.
     */
    Turn<S, R> handle(WorkflowContext ctx, S state, M message) throws Exception;
  }

  /**
   * A read-only view of a session's committed state.
   *
   * <pre>{@code
   * SharedHandler<Chat, List<Message>> history = chat -> chat.messages();
   * }</pre>
   */
  @FunctionalInterface
  public interface SharedHandler<S, R> {
    R query(S state) throws Exception;
  }
}
