package io.stepstream;

/**
 * A durable promise was failed from outside ({@code WorkflowClient.failPromise}, {@code stepstream
 * promise fail}, or a record with {@code error}): the workflow may catch it and decide what to do.
 * Uncaught, the run fails with this exception (its message names the promise, the type and the
 * message); rethrow a {@link WorkflowFailure} to give the run's failure a type of your own.
 *
 * <pre>{@code
 * try {
 *   Receipt r = payment.get();
 * } catch (PromiseFailedException e) {
 *   if (e.errorType().equals("CARD_DECLINED")) return Order.declined(e.errorMessage());
 *   throw e;
 * }
 * }</pre>
 */
public class PromiseFailedException extends RuntimeException {
  private final String promiseName;
  private final String errorType;
  private final String errorMessage;
  private final transient EncodedValue errorDetails;

  public PromiseFailedException(String promiseName, String errorType, String errorMessage, EncodedValue errorDetails) {
    super("promise '" + promiseName + "' was failed: " + errorType + ": " + errorMessage);
    this.promiseName = promiseName;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
    this.errorDetails = errorDetails == null ? EncodedValue.NONE : errorDetails;
  }

  public String promiseName() {
    return promiseName;
  }

  /** The type the failing party chose (e.g. {@code CARD_DECLINED}). */
  public String errorType() {
    return errorType;
  }

  public String errorMessage() {
    return errorMessage;
  }

  /** What the failing party attached, decoded on demand; {@link EncodedValue#NONE} if nothing. */
  public EncodedValue errorDetails() {
    return errorDetails;
  }
}
