package io.stepstream;

/**
 * Thrown by a step to fail at once, whatever its retry policy says (a 4xx from an API, a rejected
 * card, invalid input the model will never accept).
 *
 * <pre>{@code
 * ctx.step("charge", Receipt.class, s -> {
 *   Response r = payments.charge(order, s.idempotencyKey());
 *   if (r.status() == 402) throw new NonRetryableStepException("card declined: " + r.body());
 *   return r.receipt();
 * });
 * }</pre>
 */
public class NonRetryableStepException extends RuntimeException {
  public NonRetryableStepException(String message) {
    super(message);
  }

  public NonRetryableStepException(String message, Throwable cause) {
    super(message, cause);
  }
}
