package io.stepstream.client;

import java.util.List;

/**
 * What {@link DeadLetters#redrive} did with each dead letter it was given.
 *
 * @param redriven re-produced to their source topic
 * @param refused not re-produced, each with the reason
 */
public record RedriveResult(List<Redriven> redriven, List<Refused> refused) {
  public RedriveResult {
    redriven = List.copyOf(redriven);
    refused = List.copyOf(refused);
  }

  /** A dead letter re-produced to {@code toTopic}. */
  public record Redriven(int partition, long offset, String toTopic) {}

  /** A dead letter not re-produced, and why. */
  public record Refused(int partition, long offset, String reason) {}
}
