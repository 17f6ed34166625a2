package io.stepstream;

/** Nobody completed a durable promise within the timeout of its {@link DurablePromise#get(java.time.Duration)}. */
public class PromiseTimeoutException extends RuntimeException {
  public PromiseTimeoutException(String message) {
    super(message);
  }
}
