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

  @Override
  default void close() {}

  /** The outcome may or may not have been written; the execution must stop and be redispatched. */
  final class PublishException extends Exception {
    public PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
