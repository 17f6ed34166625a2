package it.workflows;

import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;

/**
 * The workflows jar DockerEngineIT mounts into the engine container (compiled by the test, because
 * it must be a separate jar found through ServiceLoader, as a user's would be). One workflow type,
 * "echo": one step that upper-cases its input.
 */
public final class EchoWorkflows implements WorkflowRegistrar {
  public EchoWorkflows() {}

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows.register("echo", String.class, (ctx, text) -> ctx.step("shout", String.class, s -> text.toUpperCase() + "!"));
  }
}
