package io.stepstream.internal.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.stepstream.client.Decision;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.http.Caller;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import io.stepstream.internal.http.HttpRoute;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code POST /api/decisions}: approve, reject, or approve with changes, as the signed-in caller.
 * The decision goes to the approvals topic through the engine's client like any other ({@code
 * decide} is the engine's {@code client()::decide}; internals do not hold the facade): the approver
 * is the caller's name and, when a JWT proved it, the JWT travels as the decision's identity token so
 * the orchestrator verifies it again (this route decides nothing; the run's fate shows in the run).
 *
 * <pre>{@code
 * POST /api/decisions  {"runId":"r-42","approvalName":"refund-review","approved":true,"comment":"half",
 *                       "editedPayload":{"customer":"ada","amount":210}}
 * -> 202 {"runId":"r-42","approvalName":"refund-review","accepted":true}
 * }</pre>
 */
final class DecisionRoute implements HttpRoute {
  private final HttpAuth auth;
  private final Consumer<Decision> decide;

  DecisionRoute(HttpAuth auth, Consumer<Decision> decide) {
    this.auth = auth;
    this.decide = decide;
  }

  @Override
  public HttpReply handle(HttpCall call) {
    if (!"POST".equals(call.method())) {
      throw HttpProblem.methodNotAllowed(call.method(), call.path(), "POST");
    }
    if (!call.segments().isEmpty()) {
      throw HttpProblem.notFound("nothing at " + call.path() + "; POST decisions to /api/decisions");
    }
    Caller caller = auth.authenticate(call);
    // a page of another site can POST text/plain here without asking (no CORS preflight), but not JSON
    String type = call.header("Content-Type").orElse("");
    if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new HttpProblem(415, "send the decision as JSON with 'Content-Type: application/json' (was '" + type + "')");
    }
    Decision decision = decision(call.body(), caller);
    try {
      decide.accept(decision);
    } catch (IllegalStateException e) {
      // the approval request is not (yet) on its topic, or the topic could not be written: say which
      throw new HttpProblem(409, e.getMessage());
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("runId", decision.runId());
    answer.put("approvalName", decision.approvalName());
    answer.put("accepted", true);
    return HttpReply.json(202, answer);
  }

  /** The decision {@code caller} asks for with {@code json}, or {@link HttpProblem} 400 saying what is wrong. */
  static Decision decision(byte[] json, Caller caller) {
    JsonNode body;
    try {
      // exact numbers: an edited 12.50 reaches the workflow as 12.50
      body = PayloadCodec.exactTree(json);
    } catch (IOException e) {
      throw HttpProblem.badRequest("the body is not JSON: " + e.getMessage()
          + " (send {\"runId\",\"approvalName\",\"approved\":true|false,\"comment\",\"editedPayload\"})");
    }
    if (body == null || !body.isObject()) {
      throw HttpProblem.badRequest("the body must be a JSON object {\"runId\",\"approvalName\",\"approved\":true|false,...}");
    }
    String runId = text(body, "runId");
    String approvalName = text(body, "approvalName");
    JsonNode approved = body.get("approved");
    if (approved == null || !approved.isBoolean()) {
      throw HttpProblem.badRequest("'approved' must be true or false (decision on approval '" + approvalName + "' of run " + runId + ")");
    }
    String comment = body.hasNonNull("comment") ? body.get("comment").asText() : null;
    JsonNode edited = body.get("editedPayload");
    boolean hasEdit = edited != null && !(edited instanceof NullNode) && !edited.isMissingNode();
    Decision d;
    if (approved.booleanValue()) {
      d = Decision.approve(runId, approvalName).comment(comment);
      if (hasEdit) {
        d = d.edited(edited);
      }
    } else {
      if (hasEdit) {
        throw HttpProblem.badRequest("a rejection has no edited payload (run " + runId + ", approval '" + approvalName
            + "'): approve with changes, or reject without one");
      }
      d = Decision.reject(runId, approvalName, comment == null || comment.isBlank() ? "rejected in the console" : comment).comment(comment);
    }
    d = d.approver(caller.name()).groups(caller.groups());
    return caller.verified() && caller.token() != null ? d.identityToken(caller.token()) : d;
  }

  private static String text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw HttpProblem.badRequest("'" + field + "' is required (a non-empty string) in a decision");
    }
    return value.asText();
  }
}
