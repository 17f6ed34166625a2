package io.stepstream.internal.query;

import io.stepstream.internal.engine.HttpEndpoint;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query API's routes (GET only, every call authenticated):
 *
 * <pre>
 * GET /api/runs?status=&amp;type=&amp;q=&amp;since=&amp;until=&amp;limit=&amp;cursor=   {"runs":[RunSummary...],"nextCursor"}
 * GET /api/runs/{runId}                                        RunDescription (404, 503 + Retry-After)
 * GET /api/runs/{runId}/history                                {"runId","workflowType","status","entries":[HistoryEntry...]}
 * GET /api/approvals?type=&amp;limit=&amp;cursor=                        {"approvals":[PendingApproval...],"nextCursor"}
 * </pre>
 *
 * {@code scope=local} (with {@code X-Stepstream-Forwarded}) is how instances ask each other for their
 * own part of a list; not for clients.
 */
public final class QueryRoutes {
  public static final String RUNS = "/api/runs";
  public static final String APPROVALS = "/api/approvals";

  private final RunQueries queries;
  private final HttpAuth auth;

  public QueryRoutes(RunQueries queries, HttpAuth auth) {
    this.queries = queries;
    this.auth = auth;
  }

  public void mount(HttpEndpoint endpoint) {
    endpoint.route(RUNS, this::runs);
    endpoint.route(APPROVALS, this::approvals);
  }

  /** {@code GET /api/runs/{runId}/stream} (docs/streams.md), when the engine serves it. */
  private io.stepstream.internal.http.HttpRoute streams;

  public QueryRoutes withStreams(io.stepstream.internal.http.HttpRoute route) {
    this.streams = route;
    return this;
  }

  HttpReply runs(HttpCall call) throws Exception {
    List<String> segments = call.segments();
    if (streams != null && segments.size() == 2 && segments.get(1).equals("stream")) {
      return streams.handle(call);
    }
    return answer(call, () -> {
      List<String> path = call.segments();
      boolean forwarded = call.header(PeerHttp.FORWARDED_HEADER).isPresent();
      if (path.isEmpty()) {
        RunFilter filter = filter(call);
        return isLocal(call, forwarded) ? queries.localRuns(filter) : queries.listRuns(filter, passed(call));
      }
      String runId = path.get(0);
      if (runId.isEmpty()) {
        throw HttpProblem.badRequest("no run id in " + call.path() + "; use /api/runs/{runId}");
      }
      if (path.size() == 1) {
        return queries.describe(runId, passed(call), forwarded);
      }
      if (path.size() == 2 && path.get(1).equals("history")) {
        return queries.history(runId, passed(call), forwarded);
      }
      throw HttpProblem.notFound("nothing at " + call.path() + "; use /api/runs, /api/runs/{runId} or /api/runs/{runId}/history"
          + " (percent-encode a '/' in a run id as %2F)");
    });
  }

  HttpReply approvals(HttpCall call) {
    return answer(call, () -> {
      if (!call.segments().isEmpty()) {
        throw HttpProblem.notFound("nothing at " + call.path() + "; use /api/approvals");
      }
      boolean forwarded = call.header(PeerHttp.FORWARDED_HEADER).isPresent();
      RunFilter filter = filter(call);
      return isLocal(call, forwarded) ? queries.localApprovals(filter) : queries.pendingApprovals(filter, passed(call));
    });
  }

  private HttpReply answer(HttpCall call, java.util.function.Supplier<RunQueries.Answer> query) {
    if (!"GET".equals(call.method()) && !"HEAD".equals(call.method())) {
      throw HttpProblem.methodNotAllowed(call.method(), call.path(), "GET");
    }
    auth.authenticate(call);
    try {
      RunQueries.Answer answer = query.get();
      HttpReply reply = HttpReply.bytes(answer.status(), HttpReply.JSON, answer.body());
      return answer.retryAfter() == null ? reply : reply.withHeader("Retry-After", answer.retryAfter());
    } catch (RunQueries.NoSuchRun e) {
      throw HttpProblem.notFound(e.getMessage());
    } catch (Unavailable e) {
      return HttpReply.json(503, Map.of("status", 503, "error", e.getMessage()))
          .withHeader("Retry-After", String.valueOf(Unavailable.RETRY_AFTER_SECONDS));
    }
  }

  private static boolean isLocal(HttpCall call, boolean forwarded) {
    return forwarded && call.query("scope").map("local"::equals).orElse(false);
  }

  private static RunFilter filter(HttpCall call) {
    try {
      return RunFilter.parse(call.query());
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
  }

  private static Map<String, String> passed(HttpCall call) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String name : PeerHttp.PASSED_HEADERS) {
      call.header(name).ifPresent(value -> headers.put(name, value));
    }
    return headers;
  }
}
