package io.stepstream;

/**
 * Where a {@link WorkflowRegistrar} registers workflow types. A type name is what requests name
 * ({@code "workflowType": "order"}); registering a name twice is an error.
 *
 * <pre>{@code
 * workflows.register("greet", String.class, (ctx, name) -> ctx.step("hello", String.class, s -> "hello " + name))
 *          .register("order", Order.class, new OrderWorkflow(), RetryPolicy.builder().maximumAttempts(5).build());
 * }</pre>
 */
public interface WorkflowRegistration {
  /** Registers a workflow type whose steps retry with the engine's default retry policy. */
  <I, O> WorkflowRegistration register(String workflowType, Class<I> inputType, Workflow<I, O> workflow);

  /** Registers a workflow type whose steps retry with {@code retry} unless a step sets its own. */
  <I, O> WorkflowRegistration register(String workflowType, Class<I> inputType, Workflow<I, O> workflow, RetryPolicy retry);

  /**
   * Declares a session type (keyed stateful entity, docs/sessions.md) and returns it for its
   * handlers; messages reach it on the sessions topic keyed by the session key.
   *
   * <pre>{@code
   * workflows.session("agent-session", Chat.class, Chat::empty)
   *     .exclusive("add-message", String.class, (ctx, chat, text) -> Turn.of(chat.with("user", text), null))
   *     .shared("get-history", Chat::messages);
   * }</pre>
   *
   * @throws UnsupportedOperationException from a registration that does not host sessions (the
   *     engine's builder, the test kit's environment and replayer all do)
   */
  default <S> SessionType<S> session(String sessionType, Class<S> stateType, java.util.function.Supplier<S> initialState) {
    SessionType<S> type = new SessionType<>(sessionType, stateType, initialState);
    register(type);
    return type;
  }

  /**
   * Registers a session type built elsewhere ({@code new SessionType<>(...)}); registrations that
   * host sessions override this, the default refuses.
   */
  default WorkflowRegistration register(SessionType<?> sessionType) {
    throw new UnsupportedOperationException(getClass().getName() + " does not host sessions (session type '" + sessionType.name()
        + "'); register it with an engine (Stepstream.builder().register(...))");
  }
}
