package io.stepstream.internal.engine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import io.stepstream.internal.http.HttpRoute;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's HTTP endpoint (the JDK's {@code com.sun.net.httpserver}, a small pool of daemon
 * threads): {@code GET /health/live}, {@code GET /health/ready} (200 or 503, small JSON), {@code GET
 * /metrics} (Prometheus text), and the routes features mount with {@link #route} (queries, admin
 * operations, the console). Bound only when the application asks for it.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
  /** Prometheus text exposition format 0.0.4, what every scraper reads. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String TEXT = HttpReply.TEXT;
  /**
   * Threads answering requests: probes must not queue behind a slow query that asks another
   * instance, and live-update streams hold one each while open.
   */
  static final int THREADS = 16;

  private final HttpServer server;
  private final ThreadPoolExecutor threads;
  private final Map<String, HttpRoute> mounted = new LinkedHashMap<>();

  private HttpEndpoint(HttpServer server, ThreadPoolExecutor threads) {
    this.server = server;
    this.threads = threads;
  }

  /**
   * Binds {@code host:port} (port 0: any free port) and serves at once.
   *
   * @param metrics the Prometheus scrape, or null when metrics go elsewhere (then /metrics is 404)
   */
  public static HttpEndpoint start(String host, int port, Supplier<Health> live, Supplier<Health> ready, Supplier<String> metrics) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("could not bind the engine's HTTP endpoint to " + host + ":" + port + ": " + e.getMessage()
          + " (choose another port with httpServer(host, port) / --http-bind, or 0 for any free one)", e);
    }
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor threads = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "stepstream-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    threads.allowCoreThreadTimeOut(true);
    server.setExecutor(threads);
    HttpEndpoint endpoint = new HttpEndpoint(server, threads);
    endpoint.route("/health/live", getOnly(() -> health(live.get())));
    endpoint.route("/health/ready", getOnly(() -> health(ready.get())));
    endpoint.route("/metrics", getOnly(() -> metrics == null
        ? HttpReply.text(404, "metrics are recorded in the MeterRegistry given to the engine, which is not a PrometheusMeterRegistry\n")
        : HttpReply.bytes(200, PROMETHEUS_TEXT, metrics.get().getBytes(StandardCharsets.UTF_8))));
    server.createContext("/", exchange -> answer(exchange, "/", call -> {
      throw HttpProblem.notFound("nothing at " + call.path() + "; try " + String.join(", ", endpoint.mountedPaths()));
    }));
    server.start();
    return endpoint;
  }

  /**
   * Mounts {@code route} at {@code prefix} (it gets every path under it, longest prefix wins, as the
   * JDK server does). Routes check their own methods.
   */
  public synchronized void route(String prefix, HttpRoute route) {
    if (mounted.containsKey(prefix)) {
      throw new IllegalStateException("an HTTP route is already mounted at " + prefix);
    }
    mounted.put(prefix, route);
    server.createContext(prefix, exchange -> answer(exchange, prefix, route));
  }

  synchronized java.util.List<String> mountedPaths() {
    return java.util.List.copyOf(mounted.keySet());
  }

  /** The bound address (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** A route that answers GET and HEAD only, with what {@code answer} supplies. */
  public static HttpRoute getOnly(Supplier<HttpReply> answer) {
    return call -> {
      if (!"GET".equals(call.method()) && !"HEAD".equals(call.method())) {
        throw HttpProblem.methodNotAllowed(call.method(), call.path(), "GET or HEAD");
      }
      return answer.get();
    };
  }

  private static HttpReply health(Health health) {
    return HttpReply.bytes(health.up() ? 200 : 503, "application/json", (health.json() + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static void answer(HttpExchange exchange, String prefix, HttpRoute route) throws IOException {
    String method = exchange.getRequestMethod();
    HttpReply reply;
    try {
      refuseCrossSiteWrites(exchange);
      reply = route.handle(new HttpCall(exchange, prefix));
      if (reply.isHandled()) {
        exchange.close();
        return;
      }
      if (reply.isDetached()) {
        return; // another thread answers and closes the exchange
      }
    } catch (HttpProblem problem) {
      reply = HttpReply.json(problem.status(), Map.of("status", problem.status(), "error", String.valueOf(problem.getMessage())));
      if (problem.status() == 405) {
        reply = reply.withHeader("Allow", problem.getMessage().replaceAll(".*; use ", "").replace(" or ", ", "));
      }
    } catch (Exception e) {
      LOG.warn("HTTP {} {} failed", method, exchange.getRequestURI(), e);
      reply = HttpReply.text(500, e + "\n");
    }
    try (exchange) {
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      if ("HEAD".equals(method)) {
        exchange.sendResponseHeaders(reply.status(), -1);
        return;
      }
      exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(reply.body());
      }
    }
  }

  /**
   * A page of another site can make a browser POST a form or text/plain here without asking (no
   * CORS preflight), with the user's cookies or from inside their network; it cannot send JSON
   * without the preflight, which this endpoint never grants. So every request that changes
   * something must say it is JSON.
   */
  private static void refuseCrossSiteWrites(HttpExchange exchange) {
    String method = exchange.getRequestMethod();
    if ("GET".equals(method) || "HEAD".equals(method)) {
      return;
    }
    // a browser always labels what it sends (a form, text/plain); a request with no body type is not a page's
    String type = exchange.getRequestHeaders().getFirst("Content-Type");
    if (type != null && !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new HttpProblem(415, method + " " + exchange.getRequestURI().getPath() + " takes a JSON body: send it with "
          + "'Content-Type: application/json' (was '" + type + "')");
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
