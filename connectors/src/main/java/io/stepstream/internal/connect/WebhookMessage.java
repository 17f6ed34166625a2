package io.stepstream.internal.connect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.WorkflowResult;

/**
 * One POST to the webhook: the JSON body, and the {@code Idempotency-Key} an inbox dedupes deliveries by (the same
 * for every delivery of the same record, since delivery is at least once).
 *
 * <pre>
 * {"kind":"approval-request", "runId":"refund-7", "approvalName":"refund-review", "workflowType":"refund-approval",
 *  "subject":"Refund 12 to ada", "details":{"customer":"ada","amount":12}, "allowedApprovers":[], "allowedGroups":[],
 *  "deadline":1767312000000, "token":"v1....", "requestedAt":1767225600000, "resolution":null}
 * Idempotency-Key: refund-7/refund-review        (refund-7/refund-review/APPROVED once resolved)
 *
 * {"kind":"result", "runId":"refund-7", "workflowType":"refund-approval", "status":"COMPLETED", "output":"refunded 12 to ada",
 *  "error":null, "startedAt":..., "finishedAt":..., "requestedAt":...}
 * Idempotency-Key: refund-7/result
 * </pre>
 *
 * The fields after {@code kind} are the record's JSON form ({@link JsonForm}), so they follow the envelope's schema.
 */
record WebhookMessage(String kind, String runId, String idempotencyKey, String body, String what, ApprovalRequest approval, String resolution) {
  static final String APPROVAL_REQUEST = "approval-request";
  static final String RESULT = "result";

  static WebhookMessage of(ApprovalRequest request) {
    // the engine writes the request again, with the resolution, when the wait ends: a notice, never a question
    String resolved = request.getResolution();
    String key = request.getRunId() + "/" + request.getApprovalName() + (resolved == null ? "" : "/" + resolved);
    return new WebhookMessage(APPROVAL_REQUEST, request.getRunId(), key, body(APPROVAL_REQUEST, JsonForm.of(request)),
        "approval '" + request.getApprovalName() + "' of run " + request.getRunId() + (resolved == null ? "" : " (" + resolved + ")"),
        request, resolved);
  }

  static WebhookMessage of(WorkflowResult result) {
    return new WebhookMessage(RESULT, result.getRunId(), result.getRunId() + "/result", body(RESULT, JsonForm.of(result)),
        "result of run " + result.getRunId(), null, null);
  }

  /** An approval request still waiting: the webhook's answer may decide it. */
  boolean awaitsDecision() {
    return approval != null && resolution == null;
  }

  private static String body(String kind, ObjectNode form) {
    ObjectNode body = Json.MAPPER.getNodeFactory().objectNode().put("kind", kind);
    body.setAll(form);
    return Json.write(body);
  }
}
