package io.stepstream.testkit;

import io.stepstream.RetryPolicy;
import io.stepstream.Workflow;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import io.stepstream.internal.engine.WorkflowRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Workflow registrations as the engine's builder takes them, applied when the environment or
 * replayer is built, so a default retry policy set after {@code register} still applies (as in
 * {@code Stepstream.Builder}).
 */
final class Registrations implements WorkflowRegistration {
  private final List<Consumer<WorkflowRegistry>> pending = new ArrayList<>();
  private RetryPolicy defaultRetry = RetryPolicy.DEFAULT;

  @Override
  public <I, O> Registrations register(String workflowType, Class<I> inputType, Workflow<I, O> workflow) {
    return register(workflowType, inputType, workflow, null);
  }

  @Override
  public <I, O> Registrations register(String workflowType, Class<I> inputType, Workflow<I, O> workflow, RetryPolicy retry) {
    pending.add(r -> r.register(workflowType, inputType, workflow, retry != null ? retry : defaultRetry));
    return this;
  }

  @Override
  public Registrations register(io.stepstream.SessionType<?> sessionType) {
    pending.add(r -> r.registerSession(sessionType, defaultRetry));
    return this;
  }

  Registrations register(WorkflowRegistrar registrar) {
    registrar.registerWorkflows(this);
    return this;
  }

  void defaultRetry(RetryPolicy policy) {
    this.defaultRetry = policy;
  }

  WorkflowRegistry build() {
    WorkflowRegistry registry = new WorkflowRegistry();
    pending.forEach(p -> p.accept(registry));
    return registry;
  }
}
