package io.stepstream.internal.connect;

import org.apache.kafka.connect.errors.ConnectException;

/**
 * A record that will not be delivered however often it is tried (undecodable, refused by the webhook, retries used
 * up). Its message is the reason, which the worker's dead-letter queue keeps in the header
 * {@code __connect.errors.exception.message} (with {@code errors.deadletterqueue.context.headers.enable=true}).
 */
public final class UndeliverableException extends ConnectException {
  public UndeliverableException(String reason) {
    super(reason);
  }
}
