package io.stepstream.internal.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import io.stepstream.internal.http.HttpRoute;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * {@code GET /api/live[?runId=...]}: server-sent events, one {@code event: audit} message per audit
 * event committed from now on (all runs, or one), {@code data:
 * {"runId","type","workflowType","step","attempt","timestamp","detail"}}. A comment line every
 * {@link #HEARTBEAT} keeps proxies from closing an idle stream and lets the server notice a browser
 * that went away. Each stream holds one of the endpoint's threads, hence {@link LiveEvents}' bound.
 *
 * <pre>{@code
 * curl -N -H 'Authorization: Bearer <jwt>' 'http://localhost:8080/api/live?runId=r-42'
 * event: ready
 * data: {}
 *
 * event: audit
 * data: {"runId":"r-42","type":"STEP_COMPLETED","workflowType":"support-triage","step":"classify",...}
 * }</pre>
 */
final class LiveRoute implements HttpRoute {
  static final Duration HEARTBEAT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpAuth auth;
  private final LiveEvents live;

  LiveRoute(HttpAuth auth, LiveEvents live) {
    this.auth = auth;
    this.live = live;
  }

  @Override
  public HttpReply handle(HttpCall call) throws Exception {
    if (!"GET".equals(call.method())) {
      throw HttpProblem.methodNotAllowed(call.method(), call.path(), "GET");
    }
    auth.authenticate(call);
    String runId = call.query("runId").filter(s -> !s.isBlank()).orElse(null);
    LiveEvents.Subscription subscription;
    try {
      subscription = live.subscribe(Duration.ofSeconds(15));
    } catch (LiveEvents.TooManyStreams e) {
      return HttpReply.json(503, Map.of("status", 503, "error", e.getMessage())).withHeader("Retry-After", "30");
    } catch (IllegalStateException e) {
      return HttpReply.json(503, Map.of("status", 503, "error", e.getMessage())).withHeader("Retry-After", "10");
    }
    try (subscription) {
      stream(call.exchange(), subscription, runId);
    }
    return HttpReply.handled();
  }

  private static void stream(HttpExchange exchange, LiveEvents.Subscription subscription, String runId) throws InterruptedException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
    try {
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      write(out, "retry: 3000\nevent: ready\ndata: {}\n\n");
      while (true) {
        Map<String, Object> event = subscription.next(HEARTBEAT);
        if (event == null) {
          write(out, ": heartbeat\n\n");
        } else if (runId == null || Objects.equals(runId, event.get("runId"))) {
          write(out, "event: audit\ndata: " + JSON.writeValueAsString(event) + "\n\n");
        }
      }
    } catch (IOException e) {
      // the browser went away
    } catch (LiveEvents.Ended e) {
      // the engine closes or this stream fell behind: the console reconnects
    }
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
