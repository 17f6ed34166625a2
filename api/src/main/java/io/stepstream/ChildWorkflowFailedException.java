package io.stepstream;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A child run ({@link WorkflowContext#startChild}) ended without an output: it FAILED or was
 * CANCELLED. Thrown by the child's {@link DurableFuture#get()}, the same on every replay; the parent
 * may catch it and go on. Uncaught, it fails the parent with the error type {@value #TYPE} and
 * details naming the child, its status, error type and message.
 *
 * <pre>{@code
 * try {
 *   return ctx.startChild("charge", "payment", order, Receipt.class).get();
 * } catch (ChildWorkflowFailedException e) {
 *   if ("PAYMENT_DECLINED".equals(e.errorType())) {
 *     return Receipt.declined(e.errorMessage());
 *   }
 *   throw e;
 * }
 * }</pre>
 */
public class ChildWorkflowFailedException extends WorkflowFailure {
  /** The error type of a parent that let this exception escape. */
  public static final String TYPE = "CHILD_WORKFLOW_FAILED";

  private final String childName;
  private final String childRunId;
  private final RunStatus status;
  private final String errorType;
  private final String errorMessage;
  private final transient EncodedValue errorDetails;

  public ChildWorkflowFailedException(
      String childName, String childRunId, RunStatus status, String errorType, String errorMessage, EncodedValue errorDetails) {
    super(TYPE, "child '" + childName + "' (run " + childRunId + ") ended " + status + ": " + errorType + ": " + errorMessage,
        summary(childName, childRunId, status, errorType, errorMessage), false, null);
    this.childName = childName;
    this.childRunId = childRunId;
    this.status = status;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
    this.errorDetails = errorDetails == null ? EncodedValue.NONE : errorDetails;
  }

  private static Map<String, String> summary(String name, String runId, RunStatus status, String type, String message) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("childName", name);
    details.put("childRunId", runId);
    details.put("status", String.valueOf(status));
    details.put("errorType", type);
    details.put("errorMessage", message);
    return details;
  }

  /** The name the parent gave the child. */
  public String childName() {
    return childName;
  }

  public String childRunId() {
    return childRunId;
  }

  /** {@link RunStatus#FAILED}, {@link RunStatus#CANCELLED} or {@link RunStatus#TERMINATED}. */
  public RunStatus status() {
    return status;
  }

  /** The child's error type, e.g. {@code PAYMENT_DECLINED}, {@code CANCELLED}, {@code UNKNOWN_WORKFLOW_TYPE}. */
  public String errorType() {
    return errorType;
  }

  public String errorMessage() {
    return errorMessage;
  }

  /** What the child attached to its failure ({@link WorkflowFailure#details()}), or {@link EncodedValue#NONE}. */
  public EncodedValue errorDetails() {
    return errorDetails;
  }
}
