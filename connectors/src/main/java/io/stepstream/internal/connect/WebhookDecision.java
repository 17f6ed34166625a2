package io.stepstream.internal.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.ApprovalRequest;
import io.stepstream.internal.codec.ExternalInputDecoder;
import io.stepstream.internal.codec.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A decision in a webhook's answer to an approval request:
 *
 * <pre>
 * {"decision":"APPROVE"|"REJECT",                       (required; either case)
 *  "approver":"alice", "approverGroups":["support-leads"], "comment":"ok", "reason":"too much",
 *  "changes":{"customer":"ada","amount":10},             (approve with changes: the edited details, any JSON)
 *  "identityToken":"eyJ..."}                             (the approver's JWT, for an engine that verifies approvers)
 * </pre>
 *
 * It becomes the engine's JSON decision form with the run id, approval name and token of the request it answers,
 * and is read by the engine's own decoder ({@link ExternalInputDecoder}), so it is exactly what the engine accepts
 * (an approver is needed unless an identity token is given). The engine still checks it: the token, the allowed
 * approvers and groups, the identity token; the first valid decision wins.
 *
 * <p>An answer that is not a JSON object, or has no {@code "decision"} field, is no decision (the webhook only
 * acknowledged the delivery, as an inbox that decides later does).
 */
final class WebhookDecision {
  static final List<String> FIELDS = List.of("decision", "approver", "approverGroups", "comment", "reason", "changes", "identityToken");

  /** The decision as the engine will read it, and its JSON form (what {@code decisions.format=json} writes). */
  record Decision(ApprovalDecision decision, byte[] json) {}

  private WebhookDecision() {}

  /**
   * The decision in {@code answer}, if it holds one.
   *
   * @throws UndeliverableException when it holds an invalid one
   */
  static Optional<Decision> parse(String answer, ApprovalRequest request) {
    JsonNode node = answerObject(answer);
    if (node == null || !node.has("decision")) {
      return Optional.empty();
    }
    String context = "the webhook's answer to approval '" + request.getApprovalName() + "' of run " + request.getRunId();
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new UndeliverableException(context + " has an unknown field \"" + name + "\"; a decision's fields are " + String.join(", ", FIELDS));
      }
    }
    JsonNode verdict = node.get("decision");
    String text = verdict.isTextual() ? verdict.asText().trim().toUpperCase(Locale.ROOT) : "";
    if (!text.equals("APPROVE") && !text.equals("REJECT")) {
      throw new UndeliverableException(context + " has \"decision\":" + verdict + "; it must be \"APPROVE\" or \"REJECT\"");
    }
    ObjectNode form = Json.MAPPER.getNodeFactory().objectNode();
    form.put("runId", request.getRunId());
    form.put("approvalName", request.getApprovalName());
    form.put("approved", text.equals("APPROVE"));
    copy(node, "approver", form, "approver");
    copy(node, "approverGroups", form, "approverGroups");
    copy(node, "comment", form, "comment");
    copy(node, "reason", form, "reason");
    copy(node, "changes", form, "editedPayload");
    copy(node, "identityToken", form, "identityToken");
    form.put("token", request.getToken());
    form.put("decidedAt", System.currentTimeMillis());
    byte[] json = Json.write(form).getBytes(StandardCharsets.UTF_8);
    try {
      return Optional.of(new Decision(ExternalInputDecoder.decision(json), json));
    } catch (InvalidInputException e) {
      throw new UndeliverableException(context + " is not a decision the engine accepts: "
          + e.getMessage().replace("editedPayload", "changes"));
    }
  }

  private static JsonNode answerObject(String answer) {
    if (answer == null || answer.isBlank()) {
      return null;
    }
    try {
      JsonNode node = Json.MAPPER.readTree(answer);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null; // plain text ("ok"): an acknowledgement
    }
  }

  private static void copy(JsonNode from, String field, ObjectNode to, String as) {
    JsonNode value = from.get(field);
    if (value != null && !value.isNull()) {
      to.set(as, value);
    }
  }
}
