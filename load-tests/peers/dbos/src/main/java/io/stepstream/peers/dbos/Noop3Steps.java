package io.stepstream.peers.dbos;

import dev.dbos.transact.workflow.Step;

/** The three no-op steps of noop-3; DBOS records each one's output in PostgreSQL when called through the proxy. */
public interface Noop3Steps {
  String one();

  String two();

  String three();

  /** The steps: each returns a small string. */
  final class Impl implements Noop3Steps {
    @Override
    @Step(name = "step-1")
    public String one() {
      return "a";
    }

    @Override
    @Step(name = "step-2")
    public String two() {
      return "b";
    }

    @Override
    @Step(name = "step-3")
    public String three() {
      return "c";
    }
  }
}
