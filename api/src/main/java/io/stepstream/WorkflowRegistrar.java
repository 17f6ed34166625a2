package io.stepstream;

/**
 * How a jar of workflows tells an engine what it contains, so the runnable engine can host workflows
 * it was not compiled with ({@code stepstream engine --workflows my-workflows.jar}). Implement it,
 * and list the class in {@code META-INF/services/io.stepstream.WorkflowRegistrar}; the engine finds
 * it with {@link java.util.ServiceLoader}. Your jar needs only {@code stepstream-api}.
 *
 * <pre>{@code
 * public final class OrderWorkflows implements WorkflowRegistrar {
 *   public OrderWorkflows() {}   // ServiceLoader needs a public no-argument constructor
 *
 *   @Override
 *   public void registerWorkflows(WorkflowRegistration workflows) {
 *     workflows.register("order", Order.class, (ctx, order) ->
 *         ctx.step("charge", Receipt.class, s -> payments.charge(order, s.idempotencyKey())));
 *   }
 * }
 * // src/main/resources/META-INF/services/io.stepstream.WorkflowRegistrar contains:
 * //   com.example.OrderWorkflows
 * }</pre>
 *
 * <p>An application that embeds the engine can pass a registrar to the engine's builder directly
 * instead ({@code Stepstream.builder().register(new OrderWorkflows())}).
 */
public interface WorkflowRegistrar {
  /** Registers this jar's workflow types; called once per engine, before it starts. */
  void registerWorkflows(WorkflowRegistration workflows);
}
