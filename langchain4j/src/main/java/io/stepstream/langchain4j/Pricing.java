package io.stepstream.langchain4j;

import io.stepstream.Usage;

/**
 * What a model's tokens cost, to put a cost on the {@link Usage} a {@link DurableChatModel} reports
 * (so a {@code Budget.ofCost(...)} can be enforced). In your provider's currency, per million tokens.
 *
 * <pre>{@code
 * DurableChatModel llm = DurableChatModel.builder(openAi)
 *     .pricing(Pricing.perMillionTokens(2.50, 10.00))   // input, output
 *     .build();
 * }</pre>
 *
 * @param inputPerMillion cost of a million prompt tokens, not negative
 * @param outputPerMillion cost of a million generated tokens, not negative
 */
public record Pricing(double inputPerMillion, double outputPerMillion) {
  /** No cost (the default): usage is reported in tokens only. */
  public static final Pricing FREE = new Pricing(0, 0);

  public Pricing {
    if (!(inputPerMillion >= 0) || !(outputPerMillion >= 0) || Double.isInfinite(inputPerMillion) || Double.isInfinite(outputPerMillion)) {
      throw new IllegalArgumentException("prices must be finite and not negative: " + inputPerMillion + ", " + outputPerMillion);
    }
  }

  public static Pricing perMillionTokens(double input, double output) {
    return new Pricing(input, output);
  }

  /** {@code tokens} with their cost. */
  public Usage price(Usage tokens) {
    return tokens.withCost((tokens.inputTokens() * inputPerMillion + tokens.outputTokens() * outputPerMillion) / 1_000_000d);
  }
}
