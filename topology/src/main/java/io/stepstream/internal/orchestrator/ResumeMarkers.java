package io.stepstream.internal.orchestrator;

/**
 * How a task knows it has read its step-outcomes backlog before resuming runs: on assignment it
 * appends a marker to its own step-outcomes partition; everything published before is read before
 * the marker comes back. Resuming earlier would run again steps whose outcomes are already there
 * (measured: a burst re-ran 5,802 steps; a retry backoff started over).
 */
public interface ResumeMarkers {
  /** Marker outcomes have this run id (empty: no run has it) and an execution id starting with this. */
  String PREFIX = "$resume-marker:";

  /** Appends marker {@code markerId} to partition {@code partition} of the step-outcomes topic, asynchronously. */
  void send(int partition, String markerId);

  /** Whether markers are sent at all; without them runs resume after the resume delay. */
  default boolean enabled() {
    return true;
  }

  static ResumeMarkers none() {
    return new ResumeMarkers() {
      @Override
      public void send(int partition, String markerId) {}

      @Override
      public boolean enabled() {
        return false;
      }
    };
  }
}
