package io.stepstream;

import java.util.Objects;

/**
 * How {@link WorkflowContext#startChild} starts a child run. Immutable; each method returns a copy.
 *
 * <pre>{@code
 * ChildOptions opts = ChildOptions.defaults()
 *     .maxActiveChildren(200)                       // at most 200 of this run's children running at once
 *     .parentClosePolicy(ParentClosePolicy.ABANDON); // let it finish if this run ends first
 * DurableFuture<Report> r = ctx.startChild("report", "report", order, Report.class, opts);
 * }</pre>
 */
public final class ChildOptions {
  /** The default for {@link #maxActiveChildren(int)}. */
  public static final int DEFAULT_MAX_ACTIVE_CHILDREN = 100;
  private static final ChildOptions DEFAULTS = new ChildOptions(null, DEFAULT_MAX_ACTIVE_CHILDREN, ParentClosePolicy.CANCEL);

  private final String runId;
  private final int maxActiveChildren;
  private final ParentClosePolicy parentClosePolicy;

  private ChildOptions(String runId, int maxActiveChildren, ParentClosePolicy parentClosePolicy) {
    this.runId = runId;
    this.maxActiveChildren = maxActiveChildren;
    this.parentClosePolicy = parentClosePolicy;
  }

  /** Run id {@code <parent run id>::<name>}, at most 100 active children, cancelled with the parent. */
  public static ChildOptions defaults() {
    return DEFAULTS;
  }

  /**
   * The child's run id, instead of {@code <parent run id>::<name>}. It must be the same on every
   * replay (derive it from the input or a recorded value, never from a fresh random). An id another
   * run already has is not started again: the child fails with {@code CHILD_RUN_ID_IN_USE}.
   */
  public ChildOptions runId(String runId) {
    Objects.requireNonNull(runId, "runId");
    if (runId.isBlank()) {
      throw new IllegalArgumentException("a child's run id must not be blank");
    }
    return new ChildOptions(runId, maxActiveChildren, parentClosePolicy);
  }

  /**
   * Bounded fan-out: this call starts the child only while fewer than {@code n} children of the run
   * are active (started and not finished, counted from the run's journal); otherwise the child is
   * queued and starts on a later pass of the workflow code, once earlier children have finished.
   */
  public ChildOptions maxActiveChildren(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxActiveChildren must be at least 1, was " + n);
    }
    return new ChildOptions(runId, n, parentClosePolicy);
  }

  /** What happens to the child if this run ends while the child is unfinished (default {@link ParentClosePolicy#CANCEL}). */
  public ChildOptions parentClosePolicy(ParentClosePolicy policy) {
    return new ChildOptions(runId, maxActiveChildren, Objects.requireNonNull(policy, "policy"));
  }

  /** The explicit child run id, or null for the default {@code <parent run id>::<name>}. */
  public String runId() {
    return runId;
  }

  public int maxActiveChildren() {
    return maxActiveChildren;
  }

  public ParentClosePolicy parentClosePolicy() {
    return parentClosePolicy;
  }
}
