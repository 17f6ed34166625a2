package io.stepstream.internal.executor;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The user topics this engine may write records to for workflows ({@code ctx.emit}): declared by
 * the operator ({@code Stepstream.Builder.emitTopics}, CLI {@code --emit-topic}), checked to exist
 * at start, never created. The same set is checked where an emit is called (an undeclared topic
 * fails the call at once) and where the orchestrator writes it (one no longer declared is
 * dead-lettered, not written).
 */
public final class EmitTopics {
  private static final EmitTopics NONE = new EmitTopics(Set.of());
  private final Set<String> topics;

  private EmitTopics(Set<String> topics) {
    this.topics = topics;
  }

  public static EmitTopics none() {
    return NONE;
  }

  public static EmitTopics of(Collection<String> topics) {
    return new EmitTopics(Set.copyOf(new TreeSet<>(topics)));
  }

  public boolean contains(String topic) {
    return topics.contains(topic);
  }

  /** Sorted, for messages and the start-up check. */
  public java.util.SortedSet<String> names() {
    return new TreeSet<>(topics);
  }

  public boolean isEmpty() {
    return topics.isEmpty();
  }

  /** @throws IllegalArgumentException naming the run, the topic and how to declare it */
  void check(String runId, String topic) {
    if (!contains(topic)) {
      throw new IllegalArgumentException(undeclared(runId, topic));
    }
  }

  /** What to tell the user about an emit to {@code topic} this engine does not declare. */
  public String undeclared(String runId, String topic) {
    return "run " + runId + " emits to topic '" + topic + "', which this engine does not declare"
        + (topics.isEmpty() ? " (it declares none)" : " (it declares " + names() + ")")
        + ": declare it on every engine instance with Stepstream.builder().emitTopics(\"" + topic + "\")"
        + " (CLI: stepstream engine --emit-topic " + topic + ") and create the topic; the engine never creates it";
  }

  @Override
  public String toString() {
    return names().toString();
  }
}
