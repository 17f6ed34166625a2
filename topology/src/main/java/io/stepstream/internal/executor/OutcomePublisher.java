package io.stepstream.internal.executor;

import io.stepstream.avro.StepOutcome;

/**
 * Makes a step outcome durable on the step-outcomes topic. {@link #publish} returns only once the
 * broker acknowledged it (acks=all), because the next step may depend on it.
 */
public interface OutcomePublisher extends AutoCloseable {

  void publish(StepOutcome outcome) throws PublishException;

  /** Largest serialized outcome the engine writes, and why; bigger ones become a loud step failure. */
  RecordLimit recordLimit();

  default int maxOutcomeBytes() {
    return recordLimit().bytes();
  }

  /** Where values too large to travel inline go (docs/large-payloads.md); by default none: everything stays inline. */
  default io.stepstream.internal.payloads.ClaimChecks claimChecks() {
    return io.stepstream.internal.payloads.ClaimChecks.INLINE;
  }

  /** Publishes with the run's W3C trace headers ({@link TraceHeaders}) on the record; tests may ignore them. */
  default void publish(StepOutcome outcome, java.util.Map<String, String> traceHeaders) throws PublishException {
    publish(outcome);
  }

  /** This publisher with the run's trace headers on everything it publishes. */
  default OutcomePublisher withTraceHeaders(java.util.Map<String, String> traceHeaders) {
    if (traceHeaders == null) {
      return this;
    }
    OutcomePublisher target = this;
    return new OutcomePublisher() {
      @Override
      public void publish(StepOutcome outcome) throws PublishException {
        target.publish(outcome, traceHeaders);
      }

      @Override
      public RecordLimit recordLimit() {
        return target.recordLimit();
      }

      @Override
      public io.stepstream.internal.payloads.ClaimChecks claimChecks() {
        return target.claimChecks();
      }
    };
  }

  @Override
  default void close() {}

  /** The outcome may or may not have been written; the execution must stop and be redispatched. */
  final class PublishException extends Exception {
    public PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
