package io.stepstream.internal.engine;

import io.stepstream.RetryPolicy;
import io.stepstream.Workflow;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Workflow types by the name requests refer to. Immutable once the engine starts. */
public final class WorkflowRegistry {

  /** One registered workflow type. */
  public record Registration<I, O>(String type, Class<I> inputType, Workflow<I, O> workflow, RetryPolicy defaultRetry) {}

  private final Map<String, Registration<?, ?>> byType = new TreeMap<>();

  public <I, O> WorkflowRegistry register(String type, Class<I> inputType, Workflow<I, O> workflow) {
    return register(type, inputType, workflow, RetryPolicy.DEFAULT);
  }

  /** Registers with the retry policy its steps use unless they set their own. */
  public <I, O> WorkflowRegistry register(String type, Class<I> inputType, Workflow<I, O> workflow, RetryPolicy defaultRetry) {
    if (type == null || type.isBlank()) {
      throw new IllegalArgumentException("a workflow type needs a non-blank name");
    }
    if (byType.putIfAbsent(type, new Registration<>(type, inputType, workflow, defaultRetry)) != null) {
      throw new IllegalArgumentException("workflow type '" + type + "' is registered twice");
    }
    return this;
  }

  public Optional<Registration<?, ?>> find(String type) {
    return Optional.ofNullable(byType.get(type));
  }

  public Set<String> types() {
    return byType.keySet();
  }
}
