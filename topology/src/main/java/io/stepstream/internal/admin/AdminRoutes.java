package io.stepstream.internal.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.client.DeadLetterQuery;
import io.stepstream.client.DeadLetterRef;
import io.stepstream.internal.http.Caller;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import io.stepstream.internal.http.HttpRoute;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /api/admin} (ADR 0016): run commands and the DLQ over HTTP. Every call is authenticated and
 * must come from an admin ({@link HttpAuth#requireAdmin}); commands carry the caller's name as
 * {@code requestedBy}.
 *
 * <pre>
 * POST /api/admin/runs/{runId}/terminate|cancel   {"reason": "..."}
 * POST /api/admin/runs/{runId}/resume             {}
 * POST /api/admin/runs/{runId}/restart            {"fromStep": "charge", "reason": "..."}
 * POST /api/admin/runs/resume-parked              {"workflowType": "order"}   (optional)
 * GET  /api/admin/dlq?limit=50&amp;runId=&amp;code=&amp;cursor=
 * POST /api/admin/dlq/redrive                     {"records": [{"partition": 0, "offset": 12}]}
 * </pre>
 */
public final class AdminRoutes implements HttpRoute {
  public static final String PREFIX = "/api/admin";
  private static final Set<String> RUN_COMMANDS = Set.of("terminate", "cancel", "resume", "restart");

  private final HttpAuth auth;
  private final AdminOperations ops;

  public AdminRoutes(HttpAuth auth, AdminOperations ops) {
    this.auth = auth;
    this.ops = ops;
  }

  @Override
  public HttpReply handle(HttpCall call) throws Exception {
    Caller caller = auth.authenticate(call);
    auth.requireAdmin(caller);
    List<String> path = call.segments();
    if (path.size() == 2 && path.get(0).equals("runs") && path.get(1).equals("resume-parked")) {
      requirePost(call);
      JsonNode body = body(call, Set.of("workflowType"));
      return HttpReply.json(202, AdminJson.resumeParked(ops.resumeParked(Optional.ofNullable(text(body, "workflowType")), caller.name())));
    }
    if (path.size() == 3 && path.get(0).equals("runs") && RUN_COMMANDS.contains(path.get(2))) {
      requirePost(call);
      return runCommand(call, path.get(1), path.get(2), caller);
    }
    if (path.size() == 1 && path.get(0).equals("dlq")) {
      if (!call.method().equals("GET")) {
        throw HttpProblem.methodNotAllowed(call.method(), call.path(), "GET");
      }
      return HttpReply.json(200, AdminJson.page(ops.deadLetters(query(call))));
    }
    if (path.size() == 2 && path.get(0).equals("dlq") && path.get(1).equals("redrive")) {
      requirePost(call);
      return HttpReply.json(202, AdminJson.redrive(ops.redrive(refs(body(call, Set.of("records"))), caller.name())));
    }
    throw HttpProblem.notFound("no admin operation at " + call.path() + "; see docs/operations.md (Admin operations): POST "
        + PREFIX + "/runs/{runId}/terminate|cancel|resume|restart, POST " + PREFIX + "/runs/resume-parked, GET " + PREFIX
        + "/dlq, POST " + PREFIX + "/dlq/redrive");
  }

  private HttpReply runCommand(HttpCall call, String runId, String command, Caller caller) throws Exception {
    JsonNode body = body(call, command.equals("restart") ? Set.of("fromStep", "reason") : command.equals("resume") ? Set.of() : Set.of("reason"));
    String reason = text(body, "reason");
    var answer = switch (command) {
      case "terminate" -> ops.terminate(runId, reason, caller.name());
      case "cancel" -> ops.cancel(runId, reason, caller.name());
      case "resume" -> ops.resume(runId, caller.name());
      default -> {
        String fromStep = text(body, "fromStep");
        if (fromStep == null || fromStep.isBlank()) {
          throw HttpProblem.badRequest("restart of run " + runId + " needs \"fromStep\": the step to run again");
        }
        yield ops.restart(runId, fromStep, reason, caller.name());
      }
    };
    return HttpReply.json(202, AdminJson.command(runId, command, answer));
  }

  private static DeadLetterQuery query(HttpCall call) {
    int limit = call.query("limit").map(s -> parseInt(s, "limit")).orElse(50);
    if (limit < 1 || limit > DeadLetterQuery.MAX_LIMIT) {
      throw HttpProblem.badRequest("limit must be 1.." + DeadLetterQuery.MAX_LIMIT + ", was " + limit);
    }
    DeadLetterQuery q = DeadLetterQuery.newest(limit);
    q = call.query("runId").filter(s -> !s.isEmpty()).map(q::runId).orElse(q);
    q = call.query("code").filter(s -> !s.isEmpty()).map(q::code).orElse(q);
    return call.query("cursor").filter(s -> !s.isEmpty()).map(q::after).orElse(q);
  }

  private static List<DeadLetterRef> refs(JsonNode body) {
    JsonNode records = body.get("records");
    if (records == null || !records.isArray() || records.isEmpty()) {
      throw HttpProblem.badRequest("name the dead letters to redrive: {\"records\":[{\"partition\":0,\"offset\":12}]}");
    }
    List<DeadLetterRef> refs = new ArrayList<>();
    for (JsonNode r : records) {
      if (!r.isObject() || !r.path("partition").canConvertToInt() || !r.path("offset").canConvertToLong()) {
        throw HttpProblem.badRequest("each record is {\"partition\":<int>,\"offset\":<long>}, got " + r);
      }
      refs.add(new DeadLetterRef(r.get("partition").asInt(), r.get("offset").asLong()));
    }
    return refs;
  }

  private static void requirePost(HttpCall call) {
    if (!call.method().equals("POST")) {
      throw HttpProblem.methodNotAllowed(call.method(), call.path(), "POST");
    }
  }

  /** The JSON object body ({} when empty); unknown fields are refused, naming them. */
  private static JsonNode body(HttpCall call, Set<String> allowed) {
    String text = call.bodyText();
    if (text == null || text.isBlank()) {
      return AdminJsonEmpty.OBJECT;
    }
    JsonNode node;
    try {
      node = AdminJson.read(text);
    } catch (java.io.IOException e) {
      throw HttpProblem.badRequest("the body is not JSON: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw HttpProblem.badRequest("the body must be a JSON object");
    }
    for (String field : AdminJson.fields(node)) {
      if (!allowed.contains(field)) {
        throw HttpProblem.badRequest("unknown field \"" + field + "\" in the body; allowed here: " + (allowed.isEmpty() ? "none" : allowed));
      }
    }
    return node;
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw HttpProblem.badRequest("\"" + field + "\" must be a string");
    }
    return v.asText();
  }

  private static int parseInt(String s, String name) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest(name + " must be a number, was '" + s + "'");
    }
  }

  /** An empty JSON object, for calls without a body. */
  private static final class AdminJsonEmpty {
    static final JsonNode OBJECT = new com.fasterxml.jackson.databind.node.ObjectNode(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance);
  }
}
