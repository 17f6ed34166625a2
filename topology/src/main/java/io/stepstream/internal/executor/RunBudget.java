package io.stepstream.internal.executor;

import io.stepstream.Budget;
import io.stepstream.BudgetExceededException;
import io.stepstream.Usage;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.StepUsage;
import java.util.Map;

/**
 * A run's usage and budget as one execution's code sees them (ADR 0018, docs/budgets.md).
 *
 * <p>{@link #used()} is the sum of the usage journaled by the steps whose outcome the code has
 * received: an inline step when its call returns or throws, a parallel step when its future's
 * {@code get()} does (so {@code all()} too). Both points are reached at the same place of the code
 * on every replay, whatever the timing of the branches, so the same journal gives the same {@link
 * #used()} at the same point. A step's usage is every attempt's ({@code STEP_ATTEMPT} entries of
 * failed attempts and the {@code STEP} entry of the last one).
 *
 * <p>The budget ({@link io.stepstream.WorkflowContext#budget}) is set by the code, so a replay sets
 * the same one. It is checked before a step that is not journaled yet starts an attempt (its first
 * or a retry): refused when {@link #used()} plus what the step's own failed attempts spent reaches a
 * limit. The refusal itself is journaled ({@link BudgetRefusals}), so a replay refuses the same
 * step even if the budget in the code changed since.
 */
final class RunBudget {
  private Budget budget;
  private Usage used = Usage.ZERO;

  void set(Budget budget, String runId) {
    if (budget == null) {
      throw new IllegalArgumentException(
          "run " + runId + ": budget(null); for a run without limits pass new Budget(null, null), or do not call budget()");
    }
    this.budget = budget;
  }

  Budget budget() {
    return budget;
  }

  Usage used() {
    return used;
  }

  /** The code received {@code step}'s outcome: its usage counts from now on (once). */
  void received(StepBranch<?> step) {
    if (!step.usageCounted) {
      step.usageCounted = true;
      used = used.plus(step.spent);
    }
  }

  /**
   * The refusal of {@code step}, about to start an attempt after spending {@code spentByStep} in
   * earlier attempts, or null if the run's budget allows it.
   */
  BudgetExceededException refusal(String step, Usage spentByStep) {
    if (budget == null) {
      return null;
    }
    Usage total = used.plus(spentByStep);
    return budget.isExhaustedBy(total) ? new BudgetExceededException(step, null, total, budget) : null;
  }

  /** What step {@code name}'s attempts journaled: failed attempts {@code name@1..n}, and {@code outcome} if given. */
  static Usage journaled(Map<String, JournalEntry> journal, String name, JournalEntry outcome) {
    Usage sum = outcome == null ? Usage.ZERO : of(outcome);
    JournalEntry attempt;
    for (int n = 1; (attempt = journal.get(ReplayContext.attemptName(name, n))) != null; n++) {
      sum = sum.plus(of(attempt));
    }
    return sum;
  }

  /** An entry's usage; zero when it has none. */
  static Usage of(JournalEntry entry) {
    StepUsage u = entry.getUsage();
    return u == null ? Usage.ZERO : new Usage(u.getInputTokens(), u.getOutputTokens(), u.getCost());
  }

  /** The journal field for what an attempt reported: null when it reported nothing (or only zeros). */
  static StepUsage toJournal(Usage usage) {
    if (usage == null || (usage.inputTokens() == 0 && usage.outputTokens() == 0 && usage.cost() == 0)) {
      return null;
    }
    return StepUsage.newBuilder().setInputTokens(usage.inputTokens()).setOutputTokens(usage.outputTokens()).setCost(usage.cost()).build();
  }
}
