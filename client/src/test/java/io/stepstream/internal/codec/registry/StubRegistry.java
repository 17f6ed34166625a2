package io.stepstream.internal.codec.registry;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A JDK HttpServer on 127.0.0.1 that answers every request with one canned response and records what
 * it was sent: for unit tests of the client's headers, caching, failover and error messages only. The
 * client is tested against a real registry in dev-registry's SchemaRegistryIT.
 */
final class StubRegistry implements AutoCloseable {
  record Seen(String method, String path, String contentType, String authorization, String body) {}

  private final HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String response = "{}";
  /** Answers to give first, one per request, before the standing one. */
  private final java.util.Deque<int[]> firstStatuses = new java.util.concurrent.ConcurrentLinkedDeque<>();

  StubRegistry() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          seen.add(
              new Seen(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getRawPath(),
                  exchange.getRequestHeaders().getFirst("Content-Type"),
                  exchange.getRequestHeaders().getFirst("Authorization"),
                  body));
          int[] first = firstStatuses.poll();
          int answerStatus = first != null ? first[0] : status;
          byte[] bytes = (first != null ? "{\"message\":\"busy\"}" : response).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", SchemaRegistryClient.CONTENT_TYPE);
          exchange.sendResponseHeaders(answerStatus, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
  }

  StubRegistry answer(int status, String json) {
    this.status = status;
    this.response = json;
    return this;
  }

  /** The next request is answered with {@code status} (e.g. 503), then the standing answer again. */
  StubRegistry onceFirst(int status) {
    firstStatuses.add(new int[] {status});
    return this;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Seen> seen() {
    return List.copyOf(seen);
  }

  Seen last() {
    return seen.get(seen.size() - 1);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
