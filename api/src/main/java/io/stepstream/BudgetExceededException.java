package io.stepstream;

/**
 * A step was not started because a budget is used up: the run's ({@link WorkflowContext#budget}) or
 * a budget key's ({@link StepOptions#withBudgetKey}). Thrown by the step call in the workflow, before
 * the step body runs; catch it to wrap up (summarise, return a partial answer, ask a human).
 */
public class BudgetExceededException extends RuntimeException {
  private final String step;
  private final String budgetKey;
  private final Usage used;
  private final Budget budget;

  /**
   * @param step the step that was not started
   * @param budgetKey the budget key, or null for the run's own budget
   * @param used what was spent when the step was refused
   * @param budget the budget that is used up
   */
  public BudgetExceededException(String step, String budgetKey, Usage used, Budget budget) {
    super("step '" + step + "' not started: " + (budgetKey == null ? "the run's budget" : "budget key '" + budgetKey + "'")
        + " is used up (used " + used.totalTokens() + " tokens, cost " + used.cost() + "; budget "
        + (budget.maxTokens() == null ? "no token limit" : budget.maxTokens() + " tokens") + ", "
        + (budget.maxCost() == null ? "no cost limit" : "cost " + budget.maxCost()) + ")");
    this.step = step;
    this.budgetKey = budgetKey;
    this.used = used;
    this.budget = budget;
  }

  public String step() {
    return step;
  }

  /** The budget key, or null when the run's own budget is used up. */
  public String budgetKey() {
    return budgetKey;
  }

  public Usage used() {
    return used;
  }

  public Budget budget() {
    return budget;
  }
}
