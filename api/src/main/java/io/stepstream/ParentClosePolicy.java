package io.stepstream;

/**
 * What happens to a child run (started with {@link WorkflowContext#startChild}) that is still
 * unfinished when its parent run ends, whether the parent completed, failed or was cancelled.
 */
public enum ParentClosePolicy {
  /** The default: the engine cancels the child (a CANCEL command, as {@code stepstream cancel} sends); it compensates and ends CANCELLED. */
  CANCEL,
  /** The child goes on by itself; its result is still written to the results topic, but no parent reads it. */
  ABANDON
}
