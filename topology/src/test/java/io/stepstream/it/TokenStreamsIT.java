package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.StepOptions;
import io.stepstream.client.RunStream;
import io.stepstream.client.StreamEvent;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.EngineTestHooks;
import io.stepstream.engine.Stepstream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable token streams on a real broker (docs/streams.md): a step streams chunks, followers
 * (Java client and server-sent events) disconnect mid-way and resume from their last position,
 * a failed attempt's chunks are told apart, and a replay after the step completed streams nothing.
 */
@Timeout(180)
class TokenStreamsIT {
  static final String PREFIX = "streams-it";
  static final int CHUNKS = 20;
  static final int BEFORE_GATE = 10;
  /** More than the HTTP endpoint's 16 threads: streams must not hold them. */
  static final int MAX_STREAMS = 18;
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** Each "chat" run streams its first chunks, then waits here (keyed by its input) until the test opens it. */
  static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;
  static WorkflowClient client;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    Stepstream.Builder builder = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(2)
        .approvalSecret("integration-test-secret")
        .httpServer("127.0.0.1", 0)
        .maxStreamFollowers(MAX_STREAMS)
        .register("chat", String.class, (ctx, gate) -> {
          String answer = ctx.step("answer", String.class, s -> {
            StringBuilder all = new StringBuilder();
            for (int i = 1; i <= CHUNKS; i++) {
              if (i == BEFORE_GATE + 1 && !GATES.get(gate).await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate " + gate + " never opened");
              }
              String token = "t" + i + " ";
              s.publishPartial(token);
              all.append(token);
            }
            return all.toString();
          });
          ctx.sleep("cool-down", Duration.ofMillis(300)); // the run is dispatched again and replays "answer"
          return ctx.step("shout", String.class, s -> answer.toUpperCase());
        })
        .register("flaky-chat", String.class, (ctx, in) -> ctx.step("answer", String.class,
            StepOptions.retry(RetryPolicy.builder().maximumAttempts(3).initialInterval(Duration.ofMillis(100)).build()), s -> {
              s.publishPartial("attempt " + s.attempt() + ": ");
              s.publishPartial("half");
              if (s.attempt() == 1) {
                throw new IOException("model connection reset");
              }
              s.publishPartial(" and the rest");
              return "attempt " + s.attempt() + ": half and the rest";
            }));
    engine = EngineTestHooks.httpAuth(builder, new QueriesIT.NamedCallersOnly()).build().start();
    client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX)
        .engineUrl("http://127.0.0.1:" + engine.httpAddress().getPort()).engineUser("tester").build();
  }

  @AfterAll
  static void stop() {
    GATES.values().forEach(CountDownLatch::countDown);
    if (client != null) {
      client.close();
    }
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aJavaFollowerThatDisconnectsMidwayResumesFromItsPositionAndGetsEveryRemainingChunkOnceInOrder() {
    String runId = startChat("java-1");
    List<StreamEvent> seen = new ArrayList<>();
    String position;
    try (RunStream stream = client.followStream(runId)) {
      while (chunks(seen) < 5) {
        add(seen, stream.next(Duration.ofSeconds(30)));
      }
      position = stream.position();
    } // disconnected mid-way
    GATES.get("java-1").countDown();

    try (RunStream stream = client.followStream(runId, position)) {
      StreamEvent e;
      while ((e = stream.next(Duration.ofSeconds(30))) != null) {
        seen.add(e);
      }
      assertThat(stream.ended()).isTrue();
    }

    assertWholeStream(runId, seen.stream().map(e -> e.kind().name().toLowerCase().replace('_', '-') + ":" + e.sequence()
        + (e.text() == null ? "" : ":" + e.text())).toList());
    assertThat(seen.get(seen.size() - 1).status()).isEqualTo("COMPLETED");
    assertThat(client.awaitResult(runId, Duration.ofSeconds(30)).output(String.class)).isEqualTo(expectedAnswer().toUpperCase());
    assertNothingStreamedByTheReplay(runId);
  }

  @Test
  void anSseFollowerThatDisconnectsMidwayResumesWithLastEventIdAndTheResponseEndsAfterTheRunEnd() throws Exception {
    String runId = startChat("sse-1");
    List<String> seen = new ArrayList<>();
    String lastId = null;
    try (Sse sse = Sse.open(runId, null)) {
      int chunks = 0;
      while (chunks < 5) {
        Sse.Event e = sse.next();
        seen.add(e.describe());
        lastId = e.id();
        chunks += e.type().equals("chunk") ? 1 : 0;
      }
    } // disconnected mid-way
    GATES.get("sse-1").countDown();

    try (Sse sse = Sse.open(runId, lastId)) {
      Sse.Event e;
      while ((e = sse.next()) != null) {
        seen.add(e.describe());
      }
    }

    assertWholeStream(runId, seen);
    assertNothingStreamedByTheReplay(runId);
  }

  @Test
  void aFollowerCanTellWhichChunksBelongToTheFailedAttempt() {
    RunResult result = client.start("flaky-chat", "flaky-1", "q").await(Duration.ofSeconds(60));
    assertThat(result.status()).as(result.toString()).isEqualTo(RunStatus.COMPLETED);

    // the run has finished: a follower from the beginning gets the whole stream and its end at once
    List<StreamEvent> seen = new ArrayList<>();
    try (RunStream stream = client.followStream("flaky-1")) {
      StreamEvent e;
      while ((e = stream.next(Duration.ofSeconds(30))) != null) {
        seen.add(e);
      }
    }

    assertThat(seen).extracting(StreamEvent::kind, StreamEvent::attempt, StreamEvent::text, StreamEvent::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.BEGIN, 1, null, null),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.CHUNK, 1, "attempt 1: ", null),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.CHUNK, 1, "half", null),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.END, 1, null, "FAILED"),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.BEGIN, 2, null, null),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.CHUNK, 2, "attempt 2: ", null),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.CHUNK, 2, "half", null),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.CHUNK, 2, " and the rest", null),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.END, 2, null, "SUCCEEDED"),
            org.assertj.core.groups.Tuple.tuple(StreamEvent.Kind.RUN_END, 0, null, "COMPLETED"));
    assertThat(seen.get(3).error()).isEqualTo("IOException: model connection reset");
    assertThat(display(seen)).isEqualTo(result.output(String.class));
  }

  @Test
  void anUnknownRunIsAClearAnswerNotAnEndlessWait() throws Exception {
    HttpResponse<String> sse = HTTP.send(request("no-such-run", null).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(sse.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(sse.body()).path("error").asText()).startsWith("no run no-such-run (never started");

    assertThatThrownBy(() -> client.followStream("no-such-run")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no run no-such-run");
  }

  @Test
  void anInstanceServesItsBoundOfStreamsBeyondItsHttpThreadsAndAnswersTheNext503() throws Exception {
    String runId = startChat("bound-1");
    List<Sse> open = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_STREAMS; i++) {
        Sse sse = Sse.open(runId, null);
        open.add(sse);
        assertThat(sse.next().type()).isEqualTo("begin"); // streaming
      }
      HttpResponse<String> beyond = HTTP.send(request(runId, null).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(beyond.statusCode()).isEqualTo(503);
      assertThat(beyond.headers().firstValue("Retry-After")).isPresent();
      assertThat(beyond.body()).contains("maxStreamFollowers");
      HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/health/live")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).as("the endpoint still answers while %d streams are open", MAX_STREAMS).isEqualTo(200);
    } finally {
      GATES.get("bound-1").countDown();
      open.forEach(Sse::close);
    }
    client.awaitResult(runId, Duration.ofSeconds(60));
    // every stream ends with the run, freeing its slot: a new follower is served again
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(HTTP.send(request(runId, null).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200));
  }

  // ---- helpers ----

  private static String startChat(String gate) {
    GATES.put(gate, new CountDownLatch(1));
    String runId = "chat-" + gate;
    client.start("chat", runId, gate);
    return runId;
  }

  private static String expectedAnswer() {
    StringBuilder all = new StringBuilder();
    IntStream.rangeClosed(1, CHUNKS).forEach(i -> all.append("t").append(i).append(" "));
    return all.toString();
  }

  /** begin, every chunk once and in order, the attempt's end, the run's end: nothing lost, nothing twice. */
  private static void assertWholeStream(String runId, List<String> seen) {
    List<String> expected = new ArrayList<>();
    expected.add("begin:0");
    IntStream.rangeClosed(1, CHUNKS).forEach(i -> expected.add("chunk:" + i + ":t" + i + " "));
    expected.add("end:" + (CHUNKS + 1));
    expected.add("run-end:0");
    assertThat(seen).as(runId).containsExactlyElementsOf(expected);
  }

  /** The run was dispatched again after its sleep and replayed "answer": the topic holds one attempt's records only. */
  private static void assertNothingStreamedByTheReplay(String runId) {
    List<JsonNode> records = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), PREFIX + ".streams")) {
      if (runId.equals(r.key())) {
        try {
          records.add(JSON.readTree(r.value()));
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    }
    assertThat(records).hasSize(CHUNKS + 3);
    assertThat(records.stream().filter(n -> n.has("executionId")).map(n -> n.path("executionId").asText()).distinct()).hasSize(1);
  }

  private static int chunks(List<StreamEvent> seen) {
    return (int) seen.stream().filter(e -> e.kind() == StreamEvent.Kind.CHUNK).count();
  }

  private static void add(List<StreamEvent> seen, StreamEvent e) {
    assertThat(e).as("an event within 30 s").isNotNull();
    seen.add(e);
  }

  /** What a UI shows: per step, the text of the latest attempt, dropped when it failed. */
  private static String display(List<StreamEvent> events) {
    Map<String, StringBuilder> steps = new LinkedHashMap<>();
    for (StreamEvent e : events) {
      switch (e.kind()) {
        case BEGIN -> steps.put(e.step(), new StringBuilder());
        case CHUNK -> steps.get(e.step()).append(e.text());
        case END -> {
          if (!e.succeeded()) {
            steps.remove(e.step());
          }
        }
        case RUN_END -> { }
      }
    }
    return String.join("", steps.values());
  }

  static String base() {
    return "http://127.0.0.1:" + engine.httpAddress().getPort();
  }

  static HttpRequest.Builder request(String runId, String lastEventId) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/api/runs/" + runId + "/stream"))
        .header("X-Stepstream-User", "tester").GET();
    return lastEventId == null ? b : b.header("Last-Event-ID", lastEventId);
  }

  /** A server-sent events reader over the JDK's HTTP client. */
  static final class Sse implements AutoCloseable {
    record Event(String id, String type, JsonNode data) {
      String describe() {
        String text = data.path("text").isTextual() ? ":" + data.path("text").asText() : "";
        return type + ":" + data.path("seq").asLong(0) + text;
      }
    }

    private final Stream<String> lines;
    private final Iterator<String> it;

    private Sse(Stream<String> lines) {
      this.lines = lines;
      this.it = lines.iterator();
    }

    static Sse open(String runId, String lastEventId) throws Exception {
      HttpResponse<Stream<String>> r = HTTP.send(request(runId, lastEventId).build(), HttpResponse.BodyHandlers.ofLines());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
      return new Sse(r.body());
    }

    /** The next event, or null when the response ended. */
    Event next() throws IOException {
      String id = null;
      String type = null;
      String data = null;
      while (it.hasNext()) {
        String line = it.next();
        if (line.isEmpty()) {
          if (data != null) {
            return new Event(id, type, JSON.readTree(data.getBytes(StandardCharsets.UTF_8)));
          }
          continue; // a comment or retry: block
        }
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
      return null;
    }

    @Override
    public void close() {
      lines.close();
    }
  }
}
