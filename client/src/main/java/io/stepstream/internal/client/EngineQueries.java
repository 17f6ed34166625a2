package io.stepstream.internal.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.RunStatus;
import io.stepstream.client.ApprovalPage;
import io.stepstream.client.RunDescription;
import io.stepstream.client.RunHistory;
import io.stepstream.client.RunPage;
import io.stepstream.client.RunQuery;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.stream.Collectors;

/** The query API over {@link EngineHttp}: what {@code WorkflowClient}'s query methods and the CLI call. */
public final class EngineQueries {
  private final EngineHttp http;

  public EngineQueries(EngineHttp http) {
    this.http = http;
  }

  public EngineHttp http() {
    return http;
  }

  public Optional<RunDescription> describe(String runId) {
    return Optional.ofNullable(describeJson(runId)).map(EngineJson::description);
  }

  public JsonNode describeJson(String runId) {
    return http.getJson("/api/runs/" + encode(runId), true);
  }

  /** A session's view, or a shared handler's answer ({@code handler} non-null): the engine's JSON (ADR 0017). */
  public JsonNode session(String sessionType, String sessionKey, String handler) {
    return http.getJson("/api/sessions/" + encode(sessionType) + "/" + encode(sessionKey) + (handler == null ? "" : "/" + encode(handler)),
        false);
  }

  public Optional<RunHistory> history(String runId) {
    return Optional.ofNullable(historyJson(runId)).map(EngineJson::history);
  }

  public JsonNode historyJson(String runId) {
    return http.getJson("/api/runs/" + encode(runId) + "/history", true);
  }

  public RunPage listRuns(RunQuery query) {
    return EngineJson.runPage(listRunsJson(query));
  }

  public JsonNode listRunsJson(RunQuery query) {
    return http.getJson("/api/runs" + queryString(query, true), false);
  }

  public ApprovalPage pendingApprovals(RunQuery query) {
    return EngineJson.approvalPage(pendingApprovalsJson(query));
  }

  public JsonNode pendingApprovalsJson(RunQuery query) {
    return http.getJson("/api/approvals" + queryString(query, false), false);
  }

  /** The query string of {@code GET /api/runs} ({@code withStatus} false: approvals, always of waiting runs). */
  static String queryString(RunQuery q, boolean withStatus) {
    StringBuilder s = new StringBuilder("?limit=").append(q.limit());
    if (withStatus && !q.statuses().isEmpty()) {
      s.append("&status=").append(encode(q.statuses().stream().map(RunStatus::name).collect(Collectors.joining(","))));
    }
    if (!q.types().isEmpty()) {
      s.append("&type=").append(encode(String.join(",", q.types())));
    }
    if (q.search() != null) {
      s.append("&q=").append(encode(q.search()));
    }
    if (q.since() != null) {
      s.append("&since=").append(q.since().toEpochMilli());
    }
    if (q.until() != null) {
      s.append("&until=").append(q.until().toEpochMilli());
    }
    if (q.cursor() != null) {
      s.append("&cursor=").append(encode(q.cursor()));
    }
    return s.toString();
  }

  /** A run id as one path segment: '/' and everything else reserved percent-encoded, space as %20. */
  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
