package io.stepstream.examples.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.RetryPolicy;
import io.stepstream.StepOptions;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/python/follow_stream.py} (docs/streams.md "Following with any Kafka client"), as it is
 * in the repository, against a real broker and engine: it stops after 5 chunks of a step that is still
 * streaming, resumes with the last position it printed, and gets every remaining record once, in
 * order, up to the run's end; the text it shows leaves out the failed first attempt. Needs python3 with
 * confluent_kafka, like {@link ClientExamplesIT}.
 */
@Timeout(240)
class StreamExampleIT {
  private static final String PREFIX = "py-streams";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNKS = 12;
  private static final CountDownLatch GATE = new CountDownLatch(1);

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(3)
        .approvalSecret("stream-example-it-secret")
        .register("chat", String.class, (ctx, q) -> ctx.step("answer", String.class,
            StepOptions.retry(RetryPolicy.builder().maximumAttempts(2).initialInterval(Duration.ofMillis(100)).build()), s -> {
              if (s.attempt() == 1) {
                s.publishPartial("lost ");
                throw new IOException("model connection reset");
              }
              StringBuilder all = new StringBuilder();
              for (int i = 1; i <= CHUNKS; i++) {
                if (i == 7 && !GATE.await(60, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("the gate never opened");
                }
                s.publishPartial("t" + i + " ");
                all.append("t").append(i).append(" ");
              }
              return all.toString();
            }))
        .build()
        .start();
  }

  @AfterAll
  static void stop() {
    GATE.countDown();
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void thePythonFollowerResumesFromItsLastPositionAndGetsEveryRemainingRecordOnceUpToTheRunEnd() throws Exception {
    engine.client().start("chat", "py-chat-1", "q");

    Result first = follow("py-chat-1", "--max-chunks", "5");
    assertThat(first.exit()).as(first.toString()).isZero();
    GATE.countDown();
    String position = first.records().get(first.records().size() - 1).path("position").asText();
    Result rest = follow("py-chat-1", "--after", position);
    assertThat(rest.exit()).as(rest.toString()).isZero();

    List<String> seen = new ArrayList<>();
    first.records().forEach(r -> seen.add(describe(r)));
    rest.records().forEach(r -> seen.add(describe(r)));
    List<String> expected = new ArrayList<>(List.of("begin 1 0", "chunk 1 1 lost ", "end 1 2 FAILED", "begin 2 0"));
    IntStream.rangeClosed(1, CHUNKS).forEach(i -> expected.add("chunk 2 " + i + " t" + i + " "));
    expected.add("end 2 " + (CHUNKS + 1) + " SUCCEEDED");
    expected.add("run-end COMPLETED");
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(rest.stderr()).contains("py-chat-1: COMPLETED: t5 t6 ").doesNotContain("lost");
  }

  private static String describe(JsonNode r) {
    String type = r.path("type").asText();
    if (type.equals("run-end")) {
      return "run-end " + r.path("status").asText();
    }
    String tail = switch (type) {
      case "chunk" -> " " + r.path("text").asText();
      case "end" -> " " + r.path("status").asText();
      default -> "";
    };
    return type + " " + r.path("attempt").asInt() + " " + r.path("seq").asLong() + tail;
  }

  record Result(List<String> command, int exit, String stdout, String stderr) {
    List<JsonNode> records() {
      return stdout.lines().filter(l -> !l.isBlank()).map(l -> {
        try {
          return JSON.readTree(l);
        } catch (IOException e) {
          throw new AssertionError("not JSON: " + l, e);
        }
      }).toList();
    }
  }

  private static Result follow(String runId, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ClientExamplesIT.Prerequisites.python(),
        ClientExamplesIT.examples().resolve("python/follow_stream.py").toString(),
        "-b", kafka.bootstrapServers(), "--prefix", PREFIX, runId, "--idle-timeout", "60"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(command + " did not end within 90 s:\n" + Files.readString(out) + Files.readString(err));
    }
    return new Result(command, p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
