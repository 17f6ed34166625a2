package io.stepstream;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A failure with an error type the workflow chooses: a stable code its callers can branch on, in
 * any language, instead of a Java class name. The run's result carries {@code type}, the message and
 * (optionally) details; no stack trace unless the engine is asked for one.
 *
 * <p>Thrown by the workflow, it fails the run. Thrown by a step, the step fails with that type: it is
 * retried as the step's {@link RetryPolicy} says (list the type in {@code nonRetryableTypes(...)} to
 * stop at once), unless made with {@link #nonRetryable}; if the failure escapes the workflow, the run fails
 * with the same type.
 *
 * <pre>{@code
 * ctx.step("charge", Receipt.class, s -> {
 *   Response r = payments.charge(order, s.idempotencyKey());
 *   if (r.status() == 402) {
 *     throw WorkflowFailure.nonRetryable("PAYMENT_DECLINED", "card declined", Map.of("orderId", order.id()));
 *   }
 *   return r.receipt();
 * });
 * // the result: status FAILED, error type PAYMENT_DECLINED, step "charge", details {"orderId": "..."}
 * }</pre>
 */
public class WorkflowFailure extends RuntimeException {
  /** Letters, digits and {@code _ . : -}; 1 to 200 characters: safe as a metric tag, a header, a map key. */
  private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

  private final String type;
  private final transient Object details;
  private final boolean nonRetryable;

  public WorkflowFailure(String type, String message) {
    this(type, message, null, false, null);
  }

  /** @param details any value the engine can encode (a record, a map, a POJO); shown to callers with the error */
  public WorkflowFailure(String type, String message, Object details) {
    this(type, message, details, false, null);
  }

  public WorkflowFailure(String type, String message, Throwable cause) {
    this(type, message, null, false, cause);
  }

  protected WorkflowFailure(String type, String message, Object details, boolean nonRetryable, Throwable cause) {
    super(message, cause);
    Objects.requireNonNull(type, "type");
    if (!TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException("an error type is 1 to 200 letters, digits, '_', '.', ':' or '-' (e.g. PAYMENT_DECLINED), was \"" + type + "\"");
    }
    this.type = type;
    this.details = details;
    this.nonRetryable = nonRetryable;
  }

  /** A failure that a step does not retry, whatever its retry policy says. */
  public static WorkflowFailure nonRetryable(String type, String message) {
    return new WorkflowFailure(type, message, null, true, null);
  }

  public static WorkflowFailure nonRetryable(String type, String message, Object details) {
    return new WorkflowFailure(type, message, details, true, null);
  }

  /** The error type callers see, e.g. {@code PAYMENT_DECLINED}. */
  public String type() {
    return type;
  }

  /** What the workflow attached for callers, or null. */
  public Object details() {
    return details;
  }

  public boolean isNonRetryable() {
    return nonRetryable;
  }
}
