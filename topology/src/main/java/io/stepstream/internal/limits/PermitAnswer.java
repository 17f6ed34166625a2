package io.stepstream.internal.limits;

import java.util.List;

/**
 * The coordinator's answer to one permit request, keyed by run id and written to the run's home
 * partition of the grants topic.
 *
 * @param runId the run that asked
 * @param permitName {@code <step>@<attempt>:<try>}
 * @param granted true: every limiter granted it (and {@code held} lists them); false: refused
 * @param held limiters that granted it (to release when the try ends); on a refusal, those to release at once
 * @param refusal BUDGET_EXCEEDED or UNKNOWN_LIMITER; null when granted
 * @param message the refusal, for people
 * @param budgetKey BUDGET_EXCEEDED: the key
 * @param usedTokens BUDGET_EXCEEDED: tokens spent on the key in its period
 * @param usedCost BUDGET_EXCEEDED: cost spent on the key in its period
 * @param maxTokens BUDGET_EXCEEDED: the key's token budget (null: none)
 * @param maxCost BUDGET_EXCEEDED: the key's cost budget (null: none)
 * @param grantedAt when the last limiter granted it (epoch millis)
 */
public record PermitAnswer(
    String runId,
    String permitName,
    boolean granted,
    List<String> held,
    String refusal,
    String message,
    String budgetKey,
    long usedTokens,
    double usedCost,
    Long maxTokens,
    Double maxCost,
    long grantedAt) {
  public static final String BUDGET_EXCEEDED = "BUDGET_EXCEEDED";
  public static final String UNKNOWN_LIMITER = "UNKNOWN_LIMITER";

  public PermitAnswer {
    held = held == null ? List.of() : List.copyOf(held);
  }

  static PermitAnswer granted(LimitMessage m, List<String> held, long now) {
    return new PermitAnswer(m.runId(), m.permitName(), true, held, null, null, null, 0, 0, null, null, now);
  }
}
