package io.stepstream.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.Signal;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes approval decisions and signals, sent as Avro single-object records, registry-framed Avro, or
 * JSON so a console producer works. The JSON forms (every field other than those marked required is optional;
 * any other field is refused, naming it):
 *
 * <pre>
 * approvals: {"approvalName":"refund-review", "approved":true, "approver":"alice",      (required)
 *             "approverGroups":["support-leads"], "comment":"ok", "reason":null,
 *             "editedPayload":{"customer":"ada","amount":210},   (the edited value itself, any JSON)
 *             "token":"...", "identityToken":"eyJ...", "runId":"r-42", "decidedAt":1767225600000}
 *            ("approver" may be left out when "identityToken", the approver's JWT, is given)
 * signals:   {"name":"payment-received",                                                (required)
 *             "data":{"amount":42}, "signalId":"psp-123", "runId":"r-42", "sentAt":1767225600000}
 * promises:  {"promiseId":"prm_AXItNDIAcGF5bWVudA",                                      (required)
 *             "data":{"amount":42}, "runId":"r-42", "sentAt":1767225600000}       (completes it)
 *            {"promiseId":"prm_...", "error":{"type":"CARD_DECLINED","message":"...",
 *             "details":{...}}}                                                      (fails it)
 * </pre>
 *
 * <p>A promise completion travels on the signals topic as a {@code Signal} with {@code promiseId}
 * set (and {@code error} to fail it); its {@code name} is taken from the id. An id that does not
 * parse is {@code BAD_PROMISE_ID}.
 *
 * <p>A value ({@code editedPayload}, {@code data}) that is Avro-encoded is
 * <code>{"$avro": "&lt;base64 of its single-object bytes&gt;"}</code>. The schema-registry wire format
 * ({@code 00}, schema id, Avro body) is read too, with a registry configured.
 *
 * <p>Anything undecodable is an {@link InvalidInputException} ({@code UNDECODABLE_DECISION},
 * {@code INVALID_DECISION}, {@code UNDECODABLE_SIGNAL}, {@code INVALID_SIGNAL}), which the
 * orchestrator dead-letters; nothing here is an engine error.
 */
public final class ExternalInputDecoder {
  static final List<String> DECISION_FIELDS =
      List.of("approvalName", "approved", "approver", "approverGroups", "comment", "reason", "editedPayload", "token", "identityToken",
          "runId", "decidedAt");
  static final List<String> SIGNAL_FIELDS = List.of("name", "data", "signalId", "runId", "sentAt");
  static final List<String> PROMISE_FIELDS = List.of("promiseId", "data", "error", "heartbeat", "runId", "sentAt");
  /**
   * An ErrorInfo's fields; only type, message, details and (remote tasks) nonRetryable mean anything in
   * a promise failure (a JSON-writing client writes all).
   */
  static final List<String> ERROR_FIELDS = List.of("type", "message", "details", "nonRetryable", "step", "attempt", "stackTrace");

  private static final String DECISION_JSON = "{\"approvalName\":\"...\",\"approved\":true,\"approver\":\"...\",\"token\":\"...\"}";
  private static final String SIGNAL_JSON = "{\"name\":\"...\",\"data\":...}";
  private static final Set<String> PAYLOAD_WRAPPER_FIELDS = Set.of("encoding", "data", "javaType");

  private ExternalInputDecoder() {}

  public static ApprovalDecision decision(byte[] value) {
    return decision(value, EnvelopeReader.withoutRegistry());
  }

  /** A decision in any of the three wire formats; {@code reader} looks registry schema ids up. */
  public static ApprovalDecision decision(byte[] value, EnvelopeReader reader) {
    boolean registry = EnvelopeReader.isRegistryFramed(value);
    if (registry || Envelopes.looksLikeAvro(value)) {
      ApprovalDecision d = registry
          ? reader.registryInput(value, reader.registryInputSchema(value, "UNDECODABLE_DECISION"), ApprovalDecision.getClassSchema(), "UNDECODABLE_DECISION")
          : Envelopes.decodeInput(ApprovalDecision.getClassSchema(), value, "UNDECODABLE_DECISION", DECISION_JSON);
      if (d.getTimedOut()) {
        throw new InvalidInputException("INVALID_DECISION", "\"timedOut\" is set only by the engine (when the deadline passes); send a decision with timedOut=false");
      }
      return d;
    }
    requireNonEmpty(value, "UNDECODABLE_DECISION");
    JsonInput in = JsonInput.parse(value, "INVALID_DECISION", "UNDECODABLE_DECISION", "decision", DECISION_FIELDS,
        Map.of("edited", "editedPayload", "groups", "approverGroups", "approvedBy", "approver",
            "jwt", "identityToken", "idToken", "identityToken", "id_token", "identityToken", "accessToken", "identityToken"));
    JsonNode edited = in.optionalValue("editedPayload");
    if (edited != null && looksLikePayloadWrapper(edited)) {
      throw in.invalid("\"editedPayload\" is the edited value itself as JSON (for example {\"customer\":\"ada\",\"amount\":210}),"
          + " not the Avro Payload wrapper {\"encoding\":..,\"data\":..}; send the value, or the whole decision as Avro");
    }
    String identityToken = in.optionalText("identityToken");
    if (identityToken == null && !in.has("approver")) {
      throw in.invalid("the JSON decision needs \"approver\" (a string), or \"identityToken\" (the approver's JWT) where the engine verifies approvers");
    }
    return ApprovalDecision.newBuilder()
        .setRunId(in.has("runId") ? in.requiredText("runId") : "")
        .setApprovalName(in.requiredText("approvalName"))
        .setApproved(in.requiredBoolean("approved"))
        .setApprover(in.has("approver") ? in.requiredText("approver") : "")
        .setApproverGroups(in.optionalTextList("approverGroups"))
        .setComment(in.optionalText("comment"))
        .setReason(in.optionalText("reason"))
        .setEditedPayload(in.optionalPayload("editedPayload"))
        .setToken(in.optionalText("token"))
        .setIdentityToken(identityToken)
        .setDecidedAt(in.optionalLong("decidedAt", System.currentTimeMillis()))
        .build();
  }

  public static Signal signal(byte[] value) {
    return signal(value, EnvelopeReader.withoutRegistry());
  }

  /** A signal in any of the three wire formats; {@code reader} looks registry schema ids up. */
  public static Signal signal(byte[] value, EnvelopeReader reader) {
    boolean registry = EnvelopeReader.isRegistryFramed(value);
    if (registry || Envelopes.looksLikeAvro(value)) {
      Signal signal = registry
          ? reader.registryInput(value, reader.registryInputSchema(value, "UNDECODABLE_SIGNAL"), Signal.getClassSchema(), "UNDECODABLE_SIGNAL")
          : Envelopes.decodeInput(Signal.getClassSchema(), value, "UNDECODABLE_SIGNAL", SIGNAL_JSON);
      if (signal.getTimedOut()) {
        throw new InvalidInputException("INVALID_SIGNAL", "\"timedOut\" is set only by the engine (when the deadline passes); send the event with timedOut=false");
      }
      return signal.getPromiseId() != null ? withPromiseName(checkHeartbeat(signal)) : signal;
    }
    requireNonEmpty(value, "UNDECODABLE_SIGNAL");
    JsonNode node = JsonInput.object(value, "UNDECODABLE_SIGNAL");
    if (node.hasNonNull("promiseId")) {
      return promiseCompletion(JsonInput.of(node, "INVALID_SIGNAL", "promise completion", PROMISE_FIELDS,
          Map.of("payload", "data", "value", "data", "failure", "error", "name", "promiseId")));
    }
    JsonInput in = JsonInput.of(node, "INVALID_SIGNAL", "signal", SIGNAL_FIELDS,
        Map.of("payload", "data", "value", "data", "id", "signalId", "event", "name", "error", "promiseId"));
    if (!in.has("name")) {
      throw in.invalid("the JSON signal needs a \"name\" (the name the workflow awaits)");
    }
    return Signal.newBuilder()
        .setRunId(in.has("runId") ? in.requiredText("runId") : "")
        .setName(in.requiredText("name"))
        .setPayload(in.optionalPayload("data"))
        .setSignalId(in.optionalText("signalId"))
        .setSentAt(in.optionalLong("sentAt", 0))
        .build();
  }

  private static Signal promiseCompletion(JsonInput in) {
    Signal signal = Signal.newBuilder()
        .setRunId(in.has("runId") ? in.requiredText("runId") : "")
        .setName("")
        .setPromiseId(in.requiredText("promiseId"))
        .setPayload(in.optionalPayload("data"))
        .setError(in.has("error") ? error(in.nested("error", ERROR_FIELDS)) : null)
        .setHeartbeat(in.optionalBoolean("heartbeat", false))
        .setSentAt(in.optionalLong("sentAt", 0))
        .build();
    if (signal.getError() != null && signal.getPayload() != null) {
      throw in.invalid("a promise completion has \"data\" (to complete it) or \"error\" (to fail it), not both");
    }
    return withPromiseName(checkHeartbeat(signal));
  }

  private static io.stepstream.avro.ErrorInfo error(JsonInput e) {
    return io.stepstream.avro.ErrorInfo.newBuilder()
        .setType(e.requiredText("type"))
        .setMessage(e.has("message") ? e.requiredText("message") : "")
        .setDetails(e.optionalPayload("details"))
        .setNonRetryable(e.optionalBoolean("nonRetryable", false))
        .build();
  }

  /** A heartbeat only says "still working": with data or an error it would be ambiguous which one counts. */
  private static Signal checkHeartbeat(Signal signal) {
    if (signal.getHeartbeat() && (signal.getPayload() != null || signal.getError() != null)) {
      throw new InvalidInputException("INVALID_SIGNAL", "a heartbeat of task " + signal.getPromiseId()
          + " carries \"data\" or \"error\"; send {\"promiseId\":...,\"heartbeat\":true} alone, and the outcome as its own record");
    }
    return signal;
  }

  /** The promise's name comes from its id, which must parse; the name field of an Avro record is not trusted. */
  private static Signal withPromiseName(Signal signal) {
    PromiseIds.Parsed id;
    try {
      id = PromiseIds.parse(signal.getPromiseId());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("BAD_PROMISE_ID", e.getMessage());
    }
    signal.setName(id.name());
    return signal;
  }

  /** {@code {"encoding":"JSON","data":"..."}}: the schema's Payload record, which JSON input must not use. */
  private static boolean looksLikePayloadWrapper(JsonNode edited) {
    if (!edited.isObject() || !edited.has("encoding") || !edited.has("data")) {
      return false;
    }
    for (var names = edited.fieldNames(); names.hasNext(); ) {
      if (!PAYLOAD_WRAPPER_FIELDS.contains(names.next())) {
        return false;
      }
    }
    return true;
  }

  private static void requireNonEmpty(byte[] value, String code) {
    if (value == null || value.length == 0) {
      throw new InvalidInputException(code, "the record value is empty");
    }
  }
}
