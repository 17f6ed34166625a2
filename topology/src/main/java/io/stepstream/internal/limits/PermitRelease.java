package io.stepstream.internal.limits;

import java.util.List;

/**
 * The end of one try of a step attempt, journaled as its {@code PERMIT_RELEASE} entry (with the
 * usage the attempt reported): the orchestrator releases the permit on each limiter that granted
 * it, charges the usage to the budget key, and, when the step was rate limited, pauses the limiters.
 *
 * @param limiters the limiters that granted the permit (empty: none, e.g. a rate-limited step without limiters)
 * @param budgetKey the budget key to charge, or null
 * @param step the step's name
 */
public record PermitRelease(List<String> limiters, String budgetKey, String step) {
  public PermitRelease {
    limiters = limiters == null ? List.of() : List.copyOf(limiters);
  }
}
