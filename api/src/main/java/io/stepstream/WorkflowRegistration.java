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
}
