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

  private final Map<String, io.stepstream.SessionType<?>> sessions = new TreeMap<>();

  /**
   * Registers a session type (ADR 0017) and the workflow its turns run as ({@code session:<name>},
   * with {@code defaultRetry} for the handlers' steps).
   */
  public WorkflowRegistry registerSession(io.stepstream.SessionType<?> type, RetryPolicy defaultRetry) {
    if (sessions.putIfAbsent(type.name(), type) != null) {
      throw new IllegalArgumentException("session type '" + type.name() + "' is registered twice");
    }
    return register(io.stepstream.internal.session.SessionIds.turnWorkflowType(type.name()), io.stepstream.internal.session.TurnInput.class,
        new io.stepstream.internal.session.TurnWorkflow<>(type), defaultRetry);
  }

  /** A registered session type, or null. */
  public io.stepstream.SessionType<?> session(String name) {
    return sessions.get(name);
  }

  public Set<String> sessionTypes() {
    return sessions.keySet();
  }

  public Optional<Registration<?, ?>> find(String type) {
    return Optional.ofNullable(byType.get(type));
  }

  public Set<String> types() {
    return byType.keySet();
  }
}
