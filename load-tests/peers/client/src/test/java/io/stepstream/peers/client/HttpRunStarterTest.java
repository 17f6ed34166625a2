package io.stepstream.peers.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.stepstream.closedloop.ClosedLoop;
import io.stepstream.closedloop.ClosedLoopResult;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a stub of the DBOS service's endpoint (the real one needs PostgreSQL: load-tests/peers/run.sh dbos). */
class HttpRunStarterTest {
  private HttpServer server;
  private final Set<String> ids = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    // echoes the input, except for run ids ending in 7: a wrong output
    server.createContext("/noop3/", ex -> {
      String id = ex.getRequestURI().getPath().substring("/noop3/".length());
      ids.add(id);
      byte[] in = ex.getRequestBody().readAllBytes();
      byte[] out = id.endsWith("7") ? "wrong".getBytes(StandardCharsets.UTF_8) : in;
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void countsRunsAnsweredWithTheirOutputAndFailsTheOthers() throws Exception {
    URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    HttpRunStarter starter = new HttpRunStarter(HttpClient.newHttpClient(), PeerEndpoint.forSystem("dbos", base), "t-", Duration.ofSeconds(10));

    ClosedLoopResult r = ClosedLoop.run(starter, 4, 20, Duration.ofSeconds(10));

    assertEquals(18, r.completed());
    assertEquals(Map.of("BadResponseException", 2L), r.errorKinds());
    assertEquals(20, ids.size()); // every run had an id of its own
  }
}
