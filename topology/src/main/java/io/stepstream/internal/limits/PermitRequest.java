package io.stepstream.internal.limits;

import java.util.List;

/**
 * What a step attempt asks for, journaled as its {@code PERMIT_REQUEST} entry; the orchestrator
 * turns it into an acquire on the limits topic when it applies the entry.
 *
 * @param step the step's name
 * @param resources what it asks, in order ({@link FlowControl#resources})
 * @param priority higher first
 * @param estimatedTokens reserved on tokens-per-minute limiters
 */
public record PermitRequest(String step, List<String> resources, int priority, long estimatedTokens) {
  public PermitRequest {
    resources = resources == null ? List.of() : List.copyOf(resources);
  }
}
