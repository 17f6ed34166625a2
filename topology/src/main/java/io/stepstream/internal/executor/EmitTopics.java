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
  private static final EmitTopics NONE = new EmitTopics(Set.of(), java.util.Map.of(), null);
  private final Set<String> topics;
  /** Declared task queues ({@code ctx.task}) and their topics; their records are written like emits. */
  private final java.util.Map<String, String> taskTopics;
  /** {@code <prefix>.task-cancels}; null when no task queue is declared. */
  private final String taskCancels;

  private EmitTopics(Set<String> topics, java.util.Map<String, String> taskTopics, String taskCancels) {
    this.topics = topics;
    this.taskTopics = taskTopics;
    this.taskCancels = taskCancels;
  }

  public static EmitTopics none() {
    return NONE;
  }

  public static EmitTopics of(Collection<String> topics) {
    return new EmitTopics(Set.copyOf(new TreeSet<>(topics)), java.util.Map.of(), null);
  }

  /**
   * These topics plus the topics of the task queues {@code queues} (remote tasks, ADR 0024): the
   * engine creates those itself, and writes task records and cancel notices to them through the same
   * exactly-once path as emits.
   */
  public EmitTopics withTaskQueues(io.stepstream.client.Topics names, Collection<String> queues) {
    if (queues.isEmpty()) {
      return this;
    }
    java.util.Map<String, String> tasks = new java.util.TreeMap<>();
    queues.forEach(q -> tasks.put(q, names.tasks(q)));
    return new EmitTopics(topics, java.util.Map.copyOf(tasks), names.taskCancels());
  }

  public boolean contains(String topic) {
    return topics.contains(topic) || taskTopics.containsValue(topic) || topic.equals(taskCancels);
  }

  /** The declared task queues' topics and the cancel topic: created by the engine, unlike emit topics. */
  public java.util.SortedSet<String> taskTopicNames() {
    java.util.SortedSet<String> all = new TreeSet<>(taskTopics.values());
    if (taskCancels != null) {
      all.add(taskCancels);
    }
    return all;
  }

  /** @throws IllegalArgumentException naming the run, the queue and how to declare it */
  String taskTopic(String runId, String step, String queue) {
    String topic = taskTopics.get(queue);
    if (topic == null) {
      throw new IllegalArgumentException("run " + runId + ": task '" + step + "' goes to queue '" + queue + "', which this engine does not declare"
          + (taskTopics.isEmpty() ? " (it declares none)" : " (it declares " + taskTopics.keySet() + ")")
          + ": declare it on every engine instance with Stepstream.builder().taskQueues(\"" + queue + "\")"
          + " (CLI: stepstream engine --task-queue " + queue + "); the engine then creates its topic");
    }
    return topic;
  }

  /** {@code <prefix>.task-cancels}, or null when this engine declares no task queue. */
  public String taskCancels() {
    return taskCancels;
  }

  /** Sorted, for messages and the start-up check. */
  public java.util.SortedSet<String> names() {
    return new TreeSet<>(topics);
  }

  /** No user emit topics (task topics are the engine's own and not counted). */
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
