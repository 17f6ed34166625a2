package io.stepstream.connect;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real HTTP server on 127.0.0.1 (the JDK's) standing in for an approval inbox: records every POST and answers
 * with what {@code answers} says for it.
 */
final class LoopbackWebhook implements AutoCloseable {
  /** One POST as the webhook saw it. */
  record Call(String path, String body, String idempotencyKey, String authorization, String contentType) {}

  /** What to answer. */
  record Answer(int status, String body) {
    static Answer ok(String body) {
      return new Answer(200, body);
    }
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile Function<Call, Answer> answers;

  LoopbackWebhook(Function<Call, Answer> answers) throws IOException {
    this.answers = answers;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(threads); // a slow answer must not hold up the others
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/approvals";
  }

  void answer(Function<Call, Answer> answers) {
    this.answers = answers;
  }

  List<Call> calls() {
    return new ArrayList<>(calls);
  }

  List<Call> callsFor(String runId) {
    return calls().stream().filter(c -> c.body().contains("\"runId\":\"" + runId + "\"")).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Call call = new Call(exchange.getRequestURI().getPath(), body, exchange.getRequestHeaders().getFirst("Idempotency-Key"),
          exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestHeaders().getFirst("Content-Type"));
      calls.add(call);
      Answer answer = answers.apply(call);
      byte[] out = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the caller went away (a killed worker): nothing to answer
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
