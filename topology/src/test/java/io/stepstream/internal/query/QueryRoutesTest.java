package io.stepstream.internal.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.internal.engine.Health;
import io.stepstream.internal.engine.HttpEndpoint;
import io.stepstream.internal.http.Caller;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query routes of an instance whose Kafka Streams is not running (starting, or between
 * assignments): 503 with Retry-After and a reason, never a partial answer; authentication first;
 * GET only; bad parameters 400.
 */
@Timeout(60)
class QueryRoutesTest {
  @TempDir Path dir;
  private KafkaStreams streams;
  private HttpEndpoint endpoint;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void startEndpoint() throws Exception {
    StreamsBuilder topology = new StreamsBuilder();
    topology.stream("q.requests").foreach((k, v) -> { });
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "routes-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"); // never started: nothing connects
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(dir.resolve("state")).toString());
    streams = new KafkaStreams(topology.build(), props);
    endpoint = HttpEndpoint.start("127.0.0.1", 0, () -> Health.up("RUNNING", "test"), () -> Health.up("RUNNING", "test"), null);
    HostInfo self = new HostInfo("127.0.0.1", endpoint.address().getPort());
    new QueryRoutes(new RunQueries(streams, self, 4, "q.requests", (run, name, deadline) -> "token"), new NamedCallersOnly()).mount(endpoint);
  }

  @AfterEach
  void stop() {
    endpoint.close();
    streams.close();
  }

  @Test
  void aRunQueryWhileKafkaStreamsIsNotRunningIs503WithRetryAfterAndSaysWhy() throws Exception {
    for (String path : List.of("/api/runs/order-1", "/api/runs/order-1/history", "/api/runs", "/api/runs?status=WAITING", "/api/approvals")) {
      HttpResponse<String> answer = get(path, "alice");
      assertThat(answer.statusCode()).as(path).isEqualTo(503);
      assertThat(answer.headers().firstValue("Retry-After")).as(path).contains("1");
      assertThat(answer.body()).as(path).contains("\"status\":503", "not running yet", "ask again shortly");
    }
  }

  @Test
  void everyCallIsAuthenticatedFirst() throws Exception {
    HttpResponse<String> anonymous = get("/api/runs/order-1", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).contains("say who you are");
    assertThat(get("/api/approvals", null).statusCode()).isEqualTo(401);
  }

  @Test
  void onlyGetIsAllowedAndBadParametersOrPathsAreRefusedWithAMessage() throws Exception {
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/api/runs/order-1")).header("X-Stepstream-User", "alice")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).contains("GET");

    HttpResponse<String> limit = get("/api/runs?limit=0", "alice");
    assertThat(limit.statusCode()).isEqualTo(400);
    assertThat(limit.body()).contains("limit must be 1..500, was 0");
    HttpResponse<String> cursor = get("/api/runs?cursor=garbage", "alice");
    assertThat(cursor.statusCode()).isEqualTo(400);
    assertThat(cursor.body()).contains("pass nextCursor of the previous page");
    HttpResponse<String> deeper = get("/api/runs/order-1/steps", "alice");
    assertThat(deeper.statusCode()).isEqualTo(404);
    assertThat(deeper.body()).contains("/api/runs/{runId}/history", "%2F");
  }

  private HttpResponse<String> get(String path, String user) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
    if (user != null) {
      request.header("X-Stepstream-User", user);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path);
  }

  /** Lets in callers that give a name, refuses the others with 401. */
  static final class NamedCallersOnly implements HttpAuth {
    @Override
    public Caller authenticate(HttpCall call) {
      String name = call.header("X-Stepstream-User").orElseThrow(() -> new HttpProblem(401, "say who you are (X-Stepstream-User)"));
      return new Caller(name, List.of(), false, null);
    }

    @Override
    public void requireAdmin(Caller caller) {}

    @Override
    public String describe() {
      return "named callers";
    }
  }
}
