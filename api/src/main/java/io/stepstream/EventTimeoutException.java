package io.stepstream;

/** No matching event arrived before the wait's deadline. */
public class EventTimeoutException extends RuntimeException {
  public EventTimeoutException(String message) {
    super(message);
  }
}
