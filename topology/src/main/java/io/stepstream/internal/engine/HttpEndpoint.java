package io.stepstream.internal.engine;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's HTTP endpoint (the JDK's {@code com.sun.net.httpserver}, one daemon thread):
 * {@code GET /health/live}, {@code GET /health/ready} (200 or 503, small JSON) and {@code GET
 * /metrics} (Prometheus text). Bound only when the application asks for it.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
  /** Prometheus text exposition format 0.0.4, what every scraper reads. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService thread;

  private record Response(int status, String contentType, String body) {}

  private HttpEndpoint(HttpServer server, ExecutorService thread) {
    this.server = server;
    this.thread = thread;
  }

  /**
   * Binds {@code host:port} (port 0: any free port) and serves at once.
   *
   * @param metrics the Prometheus scrape, or null when metrics go elsewhere (then /metrics is 404)
   */
  public static HttpEndpoint start(String host, int port, Supplier<Health> live, Supplier<Health> ready, Supplier<String> metrics) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("could not bind the engine's HTTP endpoint to " + host + ":" + port + ": " + e.getMessage()
          + " (choose another port with httpServer(host, port) / --http-bind, or 0 for any free one)", e);
    }
    ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "stepstream-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(thread);
    server.createContext("/health/live", handler(() -> health(live.get())));
    server.createContext("/health/ready", handler(() -> health(ready.get())));
    server.createContext("/metrics", handler(() -> metrics == null
        ? new Response(404, TEXT, "metrics are recorded in the MeterRegistry given to the engine, which is not a PrometheusMeterRegistry\n")
        : new Response(200, PROMETHEUS_TEXT, metrics.get())));
    server.createContext("/", handler(() -> new Response(404, TEXT, "try /health/live, /health/ready or /metrics\n")));
    server.start();
    return new HttpEndpoint(server, thread);
  }

  /** The bound address (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static Response health(Health health) {
    return new Response(health.up() ? 200 : 503, "application/json", health.json() + "\n");
  }

  private static HttpHandler handler(Supplier<Response> answer) {
    return exchange -> {
      try (exchange) {
        String method = exchange.getRequestMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          exchange.sendResponseHeaders(405, -1);
          return;
        }
        Response response;
        try {
          response = answer.get();
        } catch (RuntimeException e) {
          LOG.warn("HTTP {} {} failed", method, exchange.getRequestURI(), e);
          response = new Response(500, TEXT, e + "\n");
        }
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if ("HEAD".equals(method)) {
          exchange.sendResponseHeaders(response.status(), -1);
          return;
        }
        exchange.sendResponseHeaders(response.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    };
  }

  @Override
  public void close() {
    server.stop(0);
    thread.shutdownNow();
  }
}
