package io.stepstream.internal.limits;

/**
 * A budget for every budget key starting with {@code prefix} (each key has its own): at most
 * {@code maxTokens} tokens and {@code maxCost} cost (null = no such limit), per period of {@code
 * periodMs} milliseconds aligned to the epoch (0 = for ever).
 */
public record KeyBudgetSpec(String prefix, Long maxTokens, Double maxCost, long periodMs) {
  public KeyBudgetSpec {
    if (prefix == null) {
      throw new IllegalArgumentException("a key budget needs a key prefix (\"\" for every key)");
    }
    if (periodMs < 0) {
      throw new IllegalArgumentException("the period of key budget '" + prefix + "' must not be negative");
    }
  }

  boolean exhaustedBy(long tokens, double cost) {
    return (maxTokens != null && tokens >= maxTokens) || (maxCost != null && cost >= maxCost);
  }

  /** Start of the period {@code now} falls in (0 without a period). */
  long periodStart(long now) {
    return periodMs == 0 ? 0 : now - Math.floorMod(now, periodMs);
  }
}
