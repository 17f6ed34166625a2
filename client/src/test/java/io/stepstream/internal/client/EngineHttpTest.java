package io.stepstream.internal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.stepstream.RunStatus;
import io.stepstream.client.EngineQueryException;
import io.stepstream.client.NotAuthorizedException;
import io.stepstream.client.RunQuery;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client side of the query API against small HTTP servers: failover, credentials, errors, the query string. */
@Timeout(30)
class EngineHttpTest {
  private final List<HttpServer> servers = new java.util.ArrayList<>();
  private final Map<String, String> seen = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
  }

  /** A server answering every path with {@code status} and {@code body}, remembering the last request. */
  private String server(int status, String body) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      seen.put("uri", exchange.getRequestURI().toString());
      seen.put("authorization", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      seen.put("user", String.valueOf(exchange.getRequestHeaders().getFirst("X-Stepstream-User")));
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    servers.add(server);
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  private static EngineQueries queries(String... urls) {
    return new EngineQueries(new EngineHttp(List.of(urls), "jwt-123", "alice", Duration.ofSeconds(5)));
  }

  @Test
  void anEngineThatIsRebalancingPassesTheQueryToTheNextUrlWithTheCallersCredentials() throws Exception {
    String busy = server(503, "{\"status\":503,\"error\":\"partition 2 is moving; ask again shortly\"}");
    String ready = server(200, "{\"runs\":[{\"runId\":\"r1\",\"workflowType\":\"order\",\"status\":\"WAITING\",\"createdAt\":5,"
        + "\"updatedAt\":6,\"finishedAt\":null,\"waitKind\":\"SLEEP\",\"wakeAt\":9}],\"nextCursor\":\"abc\"}");

    var page = queries(busy, ready).listRuns(RunQuery.builder().status(RunStatus.WAITING).type("order").search("r 1/x").limit(7)
        .since(Instant.ofEpochMilli(3)).cursor("c1").build());

    assertThat(page.runs()).singleElement().satisfies(r -> {
      assertThat(r.runId()).isEqualTo("r1");
      assertThat(r.status()).isEqualTo(RunStatus.WAITING);
      assertThat(r.wakeAt()).isEqualTo(Instant.ofEpochMilli(9));
      assertThat(r.finishedAt()).isNull();
    });
    assertThat(page.nextCursor()).contains("abc");
    assertThat(seen.get("uri")).isEqualTo("/api/runs?limit=7&status=WAITING&type=order&q=r%201%2Fx&since=3&cursor=c1");
    assertThat(seen.get("authorization")).isEqualTo("Bearer jwt-123");
    assertThat(seen.get("user")).isEqualTo("alice");
  }

  @Test
  void onlyTheEnginesNoSuchRunIsAnEmptyAnswer() throws Exception {
    String engine = server(404, "{\"status\":404,\"error\":\"no run r/1 (never started, or removed after the retention window)\"}");
    assertThat(queries(engine).describe("r/1")).isEmpty();
    assertThat(seen.get("uri")).isEqualTo("/api/runs/r%2F1");

    String somethingElse = server(404, "<html>Not Found</html>");
    assertThatThrownBy(() -> queries(somethingElse).describe("r1")).isInstanceOf(EngineQueryException.class)
        .hasMessageContaining("404").hasMessageContaining("Not Found");
  }

  @Test
  void refusalsCarryTheEnginesReasonAndNoAnswerNamesEveryUrl() throws Exception {
    String closed = server(403, "{\"status\":403,\"error\":\"the engine's HTTP API is off: it needs a verified identity\"}");
    assertThatThrownBy(() -> queries(closed).history("r1")).isInstanceOf(NotAuthorizedException.class)
        .hasMessageContaining("403").hasMessageContaining("needs a verified identity");

    int port1;
    int port2;
    try (var a = new java.net.ServerSocket(0); var b = new java.net.ServerSocket(0)) {
      port1 = a.getLocalPort();
      port2 = b.getLocalPort();
    }
    assertThatThrownBy(() -> queries("http://127.0.0.1:" + port1, "http://127.0.0.1:" + port2).pendingApprovals(RunQuery.all()))
        .isInstanceOf(EngineQueryException.class)
        .hasMessageContaining("no Stepstream engine answered at http://127.0.0.1:" + port1 + ", http://127.0.0.1:" + port2)
        .satisfies(e -> assertThat(((EngineQueryException) e).status()).isZero());

    String busy = server(503, "{\"status\":503,\"error\":\"a rebalance is under way; ask again shortly\"}");
    assertThatThrownBy(() -> queries(busy).listRuns(RunQuery.all())).isInstanceOf(EngineQueryException.class)
        .hasMessageContaining("a rebalance is under way").satisfies(e -> assertThat(((EngineQueryException) e).status()).isEqualTo(503));
  }

  @Test
  void aBadEngineUrlIsRefusedNamingIt() {
    assertThatThrownBy(() -> EngineHttp.parse("engine-0:8080")).hasMessageContaining("engine URL 'engine-0:8080' must be http(s)://host:port");
    assertThat(EngineHttp.parse("http://engine-0:8080/").toString()).isEqualTo("http://engine-0:8080");
  }
}
