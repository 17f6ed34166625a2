package io.stepstream.internal.query;

import io.stepstream.internal.engine.HttpEndpoint;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /api/sessions/{type}/{key}[/{sharedHandler}]} ({@link SessionQueries}); every call authenticated. */
public final class SessionRoutes {
  public static final String SESSIONS = "/api/sessions";

  private final SessionQueries queries;
  private final HttpAuth auth;

  public SessionRoutes(SessionQueries queries, HttpAuth auth) {
    this.queries = queries;
    this.auth = auth;
  }

  public void mount(HttpEndpoint endpoint) {
    endpoint.route(SESSIONS, this::sessions);
  }

  HttpReply sessions(HttpCall call) {
    if (!"GET".equals(call.method()) && !"HEAD".equals(call.method())) {
      throw HttpProblem.methodNotAllowed(call.method(), call.path(), "GET");
    }
    auth.authenticate(call);
    List<String> path = call.segments();
    if (path.size() < 2 || path.size() > 3 || path.get(0).isEmpty() || path.get(1).isEmpty()) {
      throw HttpProblem.notFound("nothing at " + call.path() + "; use /api/sessions/{type}/{key} or /api/sessions/{type}/{key}/{sharedHandler}"
          + " (percent-encode a '/' in a key as %2F)");
    }
    Map<String, String> passed = new LinkedHashMap<>();
    for (String name : PeerHttp.PASSED_HEADERS) {
      call.header(name).ifPresent(value -> passed.put(name, value));
    }
    boolean forwarded = call.header(PeerHttp.FORWARDED_HEADER).isPresent();
    try {
      RunQueries.Answer answer = queries.session(path.get(0), path.get(1), path.size() == 3 ? path.get(2) : null, passed, forwarded);
      HttpReply reply = HttpReply.bytes(answer.status(), HttpReply.JSON, answer.body());
      return answer.retryAfter() == null ? reply : reply.withHeader("Retry-After", answer.retryAfter());
    } catch (SessionQueries.NotFound e) {
      throw HttpProblem.notFound(e.getMessage());
    } catch (SessionQueries.HandlerFailed e) {
      return HttpReply.json(500, Map.of("status", 500, "error", e.getMessage()));
    } catch (Unavailable e) {
      return HttpReply.json(503, Map.of("status", 503, "error", e.getMessage()))
          .withHeader("Retry-After", String.valueOf(Unavailable.RETRY_AFTER_SECONDS));
    }
  }
}
