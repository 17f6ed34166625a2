package io.stepstream.internal.executor;

/** What the executor measures; the engine records it (Micrometer), tests ignore it. */
public interface ExecutorMetrics {
  ExecutorMetrics NONE = new ExecutorMetrics() {};

  /** One attempt of a step ran (not a replay): how long the step's code took, by workflow type. */
  default void stepAttempt(String workflowType, boolean succeeded, long nanos) {}

  /** A step outcome was sent and acknowledged (or not) after {@code nanos}. */
  default void outcomePublished(boolean acknowledged, long nanos) {}
}
