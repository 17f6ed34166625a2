package io.stepstream.internal.console;

import io.stepstream.client.Decision;
import io.stepstream.internal.engine.HttpEndpoint;
import io.stepstream.internal.http.Caller;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import io.stepstream.internal.http.HttpRoute;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The web console's part of the engine's HTTP endpoint: {@code GET /api/whoami}, {@code POST
 * /api/decisions}, {@code GET /api/live} (server-sent events) and the console's static files under
 * {@code /console/}. The queries ({@code /api/runs}, {@code /api/approvals}) and admin operations
 * ({@code /api/admin}) it calls are mounted by their own features.
 *
 * <pre>{@code
 * ConsoleRoutes console = ConsoleRoutes.mount(endpoint, auth, decision -> client.decide(decision), liveEvents);
 * // ... on close:
 * console.close();
 * }</pre>
 */
public final class ConsoleRoutes implements AutoCloseable {
  private final LiveEvents live;

  private ConsoleRoutes(LiveEvents live) {
    this.live = live;
  }

  /** Live streams one instance serves at once: each holds one of the HTTP endpoint's threads, and probes need some. */
  public static final int MAX_LIVE_STREAMS = 8;

  /**
   * @param decide sends a decision to the approvals topic (the engine's {@code client()::decide})
   */
  public static ConsoleRoutes mount(HttpEndpoint endpoint, HttpAuth auth, Consumer<Decision> decide, LiveEvents live) {
    endpoint.route("/api/whoami", getOnly(call -> HttpReply.json(200, whoami(auth, auth.authenticate(call)))));
    endpoint.route("/api/decisions", new DecisionRoute(auth, decide));
    endpoint.route("/api/live", new LiveRoute(auth, live));
    endpoint.route("/console", new ConsoleFiles());
    return new ConsoleRoutes(live);
  }

  /** {@code route} for GET (and HEAD), 405 for other methods. */
  static HttpRoute getOnly(HttpRoute route) {
    return call -> {
      if (!"GET".equals(call.method()) && !"HEAD".equals(call.method())) {
        throw HttpProblem.methodNotAllowed(call.method(), call.path(), "GET or HEAD");
      }
      return route.handle(call);
    };
  }

  static Map<String, Object> whoami(HttpAuth auth, Caller caller) {
    Map<String, Object> who = new LinkedHashMap<>();
    who.put("name", caller.name());
    who.put("groups", caller.groups());
    who.put("verified", caller.verified());
    boolean admin;
    String adminProblem = null;
    try {
      auth.requireAdmin(caller);
      admin = true;
    } catch (HttpProblem p) {
      admin = false;
      adminProblem = p.getMessage();
    }
    who.put("admin", admin);
    who.put("adminProblem", adminProblem);
    who.put("auth", auth.describe());
    return who;
  }

  @Override
  public void close() {
    live.close();
  }
}
