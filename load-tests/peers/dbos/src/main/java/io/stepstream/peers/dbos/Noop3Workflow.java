package io.stepstream.peers.dbos;

import dev.dbos.transact.workflow.Workflow;

/**
 * noop-3 as a DBOS workflow: three {@code @Step} methods, then the input back.
 *
 * <pre>{@code
 * Noop3Steps steps = dbos.registerProxy(Noop3Steps.class, new Noop3Steps.Impl());
 * Noop3Workflow noop3 = dbos.registerProxy(Noop3Workflow.class, new Noop3Workflow.Impl(steps));
 * dbos.launch();
 * try (var id = new WorkflowOptions("run-1").setContext()) { noop3.run("x"); }
 * }</pre>
 */
public interface Noop3Workflow {
  String run(String input);

  /** Calls the steps through their DBOS proxy, so each is checkpointed. */
  final class Impl implements Noop3Workflow {
    private final Noop3Steps steps;

    public Impl(Noop3Steps steps) {
      this.steps = steps;
    }

    @Override
    @Workflow(name = "noop-3")
    public String run(String input) {
      steps.one();
      steps.two();
      steps.three();
      return input;
    }
  }
}
