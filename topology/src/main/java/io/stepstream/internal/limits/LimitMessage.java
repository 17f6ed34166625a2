package io.stepstream.internal.limits;

import java.util.List;

/**
 * A record of the limits topic, keyed by the resource it is for (a limiter name, or {@link
 * FlowControl#BUDGET_PREFIX} and a budget key). Written by the orchestrator in its transaction
 * (acquire, release, debit) or by the coordinator (an acquire passed on to the next resource).
 *
 * @param type ACQUIRE, RELEASE or DEBIT
 * @param permitId {@code <runId>/<permit name>}: the permit of one try of one step attempt
 * @param runId the run that asks (grants go to its home partition)
 * @param permitName {@code <step>@<attempt>:<try>}
 * @param resources ACQUIRE: everything the step asks, in order; this record is for {@code resources[index]}
 * @param held ACQUIRE: limiters already granted further up the chain
 * @param priority ACQUIRE: higher is granted first
 * @param estimatedTokens ACQUIRE: reserved on tokens-per-minute limiters
 * @param actualTokens RELEASE: tokens the attempt reported (null: none reported, the reservation stands)
 * @param pauseUntil RELEASE: the step was rate limited: grant nothing before this (epoch millis, 0: no pause)
 * @param tokens DEBIT: tokens to charge to the budget key
 * @param cost DEBIT: cost to charge to the budget key
 * @param step the step's name, for messages
 * @param queuedAt ACQUIRE: when it joined the queue of {@code resources[index]} (epoch millis)
 */
public record LimitMessage(
    String type,
    String permitId,
    String runId,
    String permitName,
    List<String> resources,
    int index,
    List<String> held,
    int priority,
    long estimatedTokens,
    Long actualTokens,
    long pauseUntil,
    long tokens,
    double cost,
    String step,
    long queuedAt) {
  public static final String ACQUIRE = "ACQUIRE";
  public static final String RELEASE = "RELEASE";
  public static final String DEBIT = "DEBIT";

  public LimitMessage {
    resources = resources == null ? List.of() : List.copyOf(resources);
    held = held == null ? List.of() : List.copyOf(held);
  }

  public static LimitMessage acquire(String runId, String permitName, String step, List<String> resources, int priority, long estimatedTokens) {
    return new LimitMessage(ACQUIRE, runId + "/" + permitName, runId, permitName, resources, 0, List.of(), priority, estimatedTokens,
        null, 0, 0, 0, step, 0);
  }

  public static LimitMessage release(String runId, String permitName, Long actualTokens, long pauseUntil) {
    return new LimitMessage(RELEASE, runId + "/" + permitName, runId, permitName, List.of(), 0, List.of(), 0, 0, actualTokens, pauseUntil,
        0, 0, null, 0);
  }

  public static LimitMessage debit(String runId, String permitName, long tokens, double cost) {
    return new LimitMessage(DEBIT, runId + "/" + permitName, runId, permitName, List.of(), 0, List.of(), 0, 0, null, 0, tokens, cost, null, 0);
  }

  /** The resource this record is for. */
  public String resource() {
    return resources.get(index);
  }

  /** This acquire, passed on to the next resource, with {@code granted} now held. */
  LimitMessage next(String granted) {
    List<String> nowHeld = new java.util.ArrayList<>(held);
    if (granted != null) {
      nowHeld.add(granted);
    }
    return new LimitMessage(type, permitId, runId, permitName, resources, index + 1, nowHeld, priority, estimatedTokens, actualTokens,
        pauseUntil, tokens, cost, step, 0);
  }

  /** This acquire as it waits in a queue since {@code now}. */
  LimitMessage queued(long now) {
    return new LimitMessage(type, permitId, runId, permitName, resources, index, held, priority, estimatedTokens, actualTokens,
        pauseUntil, tokens, cost, step, now);
  }

  boolean isLast() {
    return index + 1 >= resources.size();
  }
}
