package io.stepstream;

/**
 * A ceiling on {@link Usage}: total tokens, cost, or both (a null limit is no limit). Exceeding it
 * raises {@link BudgetExceededException} at the next step that would spend more, which the workflow
 * can catch to wrap up.
 *
 * <pre>{@code
 * ctx.budget(Budget.ofTokens(50_000).withMaxCost(0.50));
 * try {
 *   draft = ctx.step("draft", String.class, s -> llm.write(brief, s));
 * } catch (BudgetExceededException e) {
 *   return Answer.partial(draft, e.getMessage());
 * }
 * }</pre>
 *
 * @param maxTokens the most input plus output tokens, or null
 * @param maxCost the most cost, or null
 */
public record Budget(Long maxTokens, Double maxCost) {
  public Budget {
    if (maxTokens != null && maxTokens < 0) {
      throw new IllegalArgumentException("maxTokens must not be negative: " + maxTokens);
    }
    if (maxCost != null && (maxCost < 0 || maxCost.isNaN() || maxCost.isInfinite())) {
      throw new IllegalArgumentException("maxCost must be finite and not negative: " + maxCost);
    }
  }

  public static Budget ofTokens(long maxTokens) {
    return new Budget(maxTokens, null);
  }

  public static Budget ofCost(double maxCost) {
    return new Budget(null, maxCost);
  }

  public Budget withMaxTokens(long tokens) {
    return new Budget(tokens, maxCost);
  }

  public Budget withMaxCost(double cost) {
    return new Budget(maxTokens, cost);
  }

  /**
   * {@code workflow} with this budget set before its code runs: a default budget for a workflow type,
   * given where it is registered. The workflow's own {@link WorkflowContext#budget} calls replace it
   * from where they are reached. Code, not configuration: every replay sets the same budget, and a
   * changed default applies to runs from their next step on (refusals already journaled stay).
   *
   * <pre>{@code
   * builder.register("support-agent", Ticket.class, Budget.ofTokens(50_000).withMaxCost(0.50).applyTo(new SupportAgent()));
   * }</pre>
   */
  public <I, O> Workflow<I, O> applyTo(Workflow<I, O> workflow) {
    java.util.Objects.requireNonNull(workflow, "workflow");
    Budget budget = this;
    return (ctx, input) -> {
      ctx.budget(budget);
      return workflow.run(ctx, input);
    };
  }

  /** True if {@code used} is at or above a limit of this budget. */
  public boolean isExhaustedBy(Usage used) {
    return (maxTokens != null && used.totalTokens() >= maxTokens) || (maxCost != null && used.cost() >= maxCost);
  }
}
