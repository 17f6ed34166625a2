package io.stepstream.internal.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.RunStatus;
import io.stepstream.client.ApprovalItem;
import io.stepstream.client.ApprovalPage;
import io.stepstream.client.HistoryEntry;
import io.stepstream.client.PayloadView;
import io.stepstream.client.RunDescription;
import io.stepstream.client.RunError;
import io.stepstream.client.RunHistory;
import io.stepstream.client.RunPage;
import io.stepstream.client.RunSummary;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The query API's JSON (docs/operations.md, "Queries") read into the client's records. */
public final class EngineJson {
  static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private EngineJson() {}

  public static <T> T decode(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw new IllegalStateException("the value " + (json.length() > 100 ? json.substring(0, 100) + "…" : json) + " does not decode as "
          + type.getName() + ": " + e.getMessage(), e);
    }
  }

  public static RunSummary summary(JsonNode n) {
    return new RunSummary(text(n, "runId"), text(n, "workflowType"), status(n), instant(n, "createdAt"), instant(n, "updatedAt"),
        instant(n, "finishedAt"), text(n, "waitKind"), text(n, "waitName"), instant(n, "wakeAt"), text(n, "parkedReason"),
        text(n, "parentRunId"));
  }

  public static RunDescription description(JsonNode n) {
    return new RunDescription(summary(n), n.path("generation").asInt(), n.path("entryCount").asInt(), n.path("cancelRequested").asBoolean(),
        text(n, "currentStep"), n.hasNonNull("attempts") ? n.get("attempts").asInt() : null, value(n.get("input")), value(n.get("result")),
        error(n.get("error")), text(n, "servedBy"), usage(n.get("usage")));
  }

  public static RunPage runPage(JsonNode n) {
    List<RunSummary> runs = new ArrayList<>();
    n.path("runs").forEach(r -> runs.add(summary(r)));
    return new RunPage(runs, Optional.ofNullable(text(n, "nextCursor")));
  }

  public static RunHistory history(JsonNode n) {
    List<HistoryEntry> entries = new ArrayList<>();
    for (JsonNode e : n.path("entries")) {
      entries.add(new HistoryEntry(text(e, "name"), text(e, "kind"), e.path("succeeded").asBoolean(), e.path("attempt").asInt(),
          instant(e, "startedAt"), instant(e, "recordedAt"), e.hasNonNull("durationMs") ? Duration.ofMillis(e.get("durationMs").asLong()) : null,
          instant(e, "dueAt"), value(e.get("value")), error(e.get("error")), usage(e.get("usage"))));
    }
    return new RunHistory(text(n, "runId"), text(n, "workflowType"), status(n), entries, text(n, "servedBy"));
  }

  public static ApprovalPage approvalPage(JsonNode n) {
    List<ApprovalItem> approvals = new ArrayList<>();
    for (JsonNode a : n.path("approvals")) {
      approvals.add(new ApprovalItem(text(a, "runId"), text(a, "workflowType"), text(a, "approvalName"), text(a, "subject"),
          value(a.get("details")), strings(a.path("allowedApprovers")), strings(a.path("allowedGroups")), instant(a, "deadline"),
          instant(a, "requestedAt"), text(a, "token")));
    }
    return new ApprovalPage(approvals, Optional.ofNullable(text(n, "nextCursor")));
  }

  static PayloadView value(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    JsonNode json = n.get("json");
    return new PayloadView(text(n, "encoding"), json == null || json.isNull() ? null : json.toString(), text(n, "text"),
        n.path("bytes").asLong());
  }

  /** {@code {"inputTokens","outputTokens","cost"}} (RunViews), or null. */
  static io.stepstream.Usage usage(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    return new io.stepstream.Usage(n.path("inputTokens").asLong(), n.path("outputTokens").asLong(), n.path("cost").asDouble());
  }

  static RunError error(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    return new RunError(text(n, "type"), text(n, "message"), text(n, "step"), value(n.get("details")));
  }

  private static RunStatus status(JsonNode n) {
    String status = text(n, "status");
    try {
      return status == null ? null : RunStatus.valueOf(status);
    } catch (IllegalArgumentException e) {
      return null; // a status a newer engine has: shown as unknown rather than failing the whole answer
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Instant instant(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : Instant.ofEpochMilli(v.asLong());
  }
}
