package io.stepstream.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.Signal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes approval decisions and signals, sent either as Avro single-object records or as JSON so a
 * console producer works:
 *
 * <pre>
 * approvals: {"approvalName":"refund-review","approved":true,"approver":"alice","comment":"ok","token":"..."}
 * signals:   {"name":"payment-received","data":{"amount":42},"signalId":"psp-123"}
 * </pre>
 */
public final class ExternalInputDecoder {
  private ExternalInputDecoder() {}

  public static ApprovalDecision decision(byte[] value) {
    if (Envelopes.looksLikeAvro(value)) {
      return Envelopes.decision(value);
    }
    JsonNode n = json(value, "UNDECODABLE_DECISION");
    if (!n.hasNonNull("approvalName") || !n.hasNonNull("approved") || !n.hasNonNull("approver")) {
      throw new InvalidInputException("INVALID_DECISION", "a decision needs \"approvalName\", \"approved\" (true/false) and \"approver\"");
    }
    List<String> groups = new ArrayList<>();
    n.path("approverGroups").forEach(g -> groups.add(g.asText()));
    return ApprovalDecision.newBuilder()
        .setRunId(n.path("runId").asText(""))
        .setApprovalName(n.get("approvalName").asText())
        .setApproved(n.get("approved").asBoolean())
        .setApprover(n.get("approver").asText())
        .setApproverGroups(groups)
        .setComment(text(n, "comment"))
        .setReason(text(n, "reason"))
        .setEditedPayload(n.hasNonNull("editedPayload") ? PayloadCodec.rawJson(bytes(n.get("editedPayload"))) : null)
        .setToken(text(n, "token"))
        .setDecidedAt(n.path("decidedAt").asLong(System.currentTimeMillis()))
        .build();
  }

  public static Signal signal(byte[] value) {
    if (Envelopes.looksLikeAvro(value)) {
      return Envelopes.signal(value);
    }
    JsonNode n = json(value, "UNDECODABLE_SIGNAL");
    if (!n.hasNonNull("name")) {
      throw new InvalidInputException("INVALID_SIGNAL", "a signal needs a \"name\" (the name the workflow awaits)");
    }
    return Signal.newBuilder()
        .setRunId(n.path("runId").asText(""))
        .setName(n.get("name").asText())
        .setPayload(n.has("data") ? PayloadCodec.rawJson(bytes(n.get("data"))) : null)
        .setSignalId(text(n, "signalId"))
        .setSentAt(n.path("sentAt").asLong(0))
        .build();
  }

  private static JsonNode json(byte[] value, String code) {
    if (value == null || value.length == 0) {
      throw new InvalidInputException(code, "the record value is empty");
    }
    try {
      JsonNode node = PayloadCodec.json().readTree(value);
      if (node == null || !node.isObject()) {
        throw new InvalidInputException(code, "expected a JSON object or an Avro record");
      }
      return node;
    } catch (IOException e) {
      throw new InvalidInputException(code, "neither Avro nor valid JSON: " + e.getMessage());
    }
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asText() : null;
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return PayloadCodec.json().writeValueAsBytes(node);
    } catch (IOException e) {
      throw new InvalidInputException("INVALID_INPUT", e.getMessage());
    }
  }
}
