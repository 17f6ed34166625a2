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

  /** True if {@code used} is at or above a limit of this budget. */
  public boolean isExhaustedBy(Usage used) {
    return (maxTokens != null && used.totalTokens() >= maxTokens) || (maxCost != null && used.cost() >= maxCost);
  }
}
