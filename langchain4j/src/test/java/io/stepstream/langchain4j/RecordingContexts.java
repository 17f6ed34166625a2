package io.stepstream.langchain4j;

import io.stepstream.StepContext;
import io.stepstream.StepFunction;
import io.stepstream.StepOptions;
import io.stepstream.Usage;
import io.stepstream.WorkflowContext;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Unit-test doubles: a WorkflowContext whose {@code step(name, type, options, fn)} runs the body at
 * once with a StepContext that records what it was told (usage), and records the options. Every
 * other method throws. For checks the test kit cannot make yet (usage is in the journal only once
 * the budgets work lands).
 */
final class RecordingContexts {
  final List<Usage> reported = new ArrayList<>();
  final List<StepOptions> options = new ArrayList<>();
  final List<String> steps = new ArrayList<>();

  WorkflowContext workflow() {
    return (WorkflowContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {WorkflowContext.class}, (p, m, args) -> {
      if (m.getName().equals("step") && args.length == 4 && args[2] instanceof StepOptions o) {
        steps.add((String) args[0]);
        options.add(o);
        return ((StepFunction<?>) args[3]).apply(step((String) args[0]));
      }
      throw new UnsupportedOperationException(m.getName());
    });
  }

  private StepContext step(String name) {
    return new StepContext() {
      public String runId() { return "run-1"; }
      public String stepName() { return name; }
      public int attempt() { return 1; }
      public void heartbeat(Object details) {}
      public <T> Optional<T> lastHeartbeat(Class<T> type) { return Optional.empty(); }
      public void emit(String topic, String key, Object value, java.util.Map<String, String> headers) {}
      public void reportUsage(Usage usage) { reported.add(usage); }
      public void publishPartial(String text) { throw new UnsupportedOperationException("not used by these tests"); }
    };
  }
}
