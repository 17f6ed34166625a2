package io.stepstream;

/**
 * What a step consumed from a model provider: tokens in and out, and cost (in the currency your
 * provider bills, as a plain number). Steps report it with {@link StepContext#reportUsage(Usage)};
 * the engine adds it up per run (and per budget key), enforces budgets on it, and shows it in
 * results, audit events and metrics.
 *
 * <pre>{@code
 * String answer = ctx.step("answer", String.class, s -> {
 *   ChatResponse r = model.chat(prompt);
 *   s.reportUsage(Usage.tokens(r.inputTokens(), r.outputTokens()).withCost(r.cost()));
 *   return r.text();
 * });
 * }</pre>
 *
 * @param inputTokens tokens sent to the model (prompt), never negative
 * @param outputTokens tokens the model generated, never negative
 * @param cost what the call cost, never negative (0 if unknown)
 */
public record Usage(long inputTokens, long outputTokens, double cost) {
  /** Nothing used. */
  public static final Usage ZERO = new Usage(0, 0, 0);

  public Usage {
    if (inputTokens < 0 || outputTokens < 0 || cost < 0 || Double.isNaN(cost) || Double.isInfinite(cost)) {
      throw new IllegalArgumentException(
          "usage must be finite and not negative: inputTokens=" + inputTokens + ", outputTokens=" + outputTokens + ", cost=" + cost);
    }
  }

  /** Tokens only, no cost. */
  public static Usage tokens(long inputTokens, long outputTokens) {
    return new Usage(inputTokens, outputTokens, 0);
  }

  /** The same tokens with {@code cost}. */
  public Usage withCost(double cost) {
    return new Usage(inputTokens, outputTokens, cost);
  }

  /** Input plus output tokens. */
  public long totalTokens() {
    return inputTokens + outputTokens;
  }

  /** The sum of this and {@code other}. */
  public Usage plus(Usage other) {
    return new Usage(
        Math.addExact(inputTokens, other.inputTokens), Math.addExact(outputTokens, other.outputTokens), cost + other.cost);
  }
}
