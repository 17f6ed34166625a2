package io.stepstream.client;

/**
 * The cluster refused this client's principal an operation: the message names the principal, the
 * operation, the topic (or group, transactional id) and the ACL that would allow it. The refused
 * operation wrote nothing.
 *
 * <pre>{@code
 * try {
 *   client.start("order", "order-42", order);
 * } catch (NotAuthorizedException e) {
 *   // "User:reporting may not WRITE topic stepstream.requests, so the request of run order-42 was not sent ..."
 *   log.error(e.getMessage());
 * }
 * }</pre>
 */
public final class NotAuthorizedException extends IllegalStateException {
  private final String operation;
  private final String resource;

  public NotAuthorizedException(String message, String operation, String resource, Throwable cause) {
    super(message, cause);
    this.operation = operation;
    this.resource = resource;
  }

  /** The refused operation as Kafka's ACLs name it: {@code WRITE}, {@code READ}, {@code DESCRIBE_CONFIGS}, ... */
  public String operation() {
    return operation;
  }

  /** What it was refused on: {@code topic stepstream.requests}, {@code group stepstream-engine}, ... */
  public String resource() {
    return resource;
  }
}
