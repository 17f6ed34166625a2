package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.RetryPolicy;
import io.stepstream.RunStatus;
import io.stepstream.StepOptions;
import io.stepstream.engine.Stepstream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code stepstream stream RUN}: a finished run's token stream, as text and as JSON lines, and resuming with --after. */
@Timeout(180)
class StreamCommandIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Stepstream engine;

  @BeforeAll
  static void startEngineWithARun() {
    engine = Stepstream.builder()
        .devMode()
        .stateDir(dir.resolve("state"))
        .topicPrefix("cli-stream")
        .partitions(2)
        .register("poem", String.class, (ctx, in) -> ctx.step("write", String.class,
            StepOptions.retry(RetryPolicy.builder().maximumAttempts(2).initialInterval(Duration.ofMillis(100)).build()), s -> {
              s.publishPartial("Roses ");
              if (s.attempt() == 1) {
                throw new IllegalStateException("model overloaded");
              }
              s.publishPartial("are red");
              return "Roses are red";
            }))
        .build()
        .start();
    assertThat(engine.client().start("poem", "poem-1", "x").await(Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.COMPLETED);
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void theTextGoesToStdoutAndTheFailedAttemptIsMarkedOnStderr() {
    RunsCommandIT.Result r = stream("poem-1");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("Roses \nRoses are red\n");
    assertThat(r.err()).contains("[write: attempt 1 failed: IllegalStateException: model overloaded; its text above does not count]")
        .contains("[write: attempt 2]").contains("[run poem-1 COMPLETED; position ");
  }

  @Test
  void jsonLinesCarryPositionsToResumeAfter() throws IOException {
    List<JsonNode> all = lines(stream("poem-1", "--json"));
    assertThat(all).extracting(n -> n.path("type").asText())
        .containsExactly("begin", "chunk", "end", "begin", "chunk", "chunk", "end", "run-end");

    List<JsonNode> rest = lines(stream("poem-1", "--json", "--after", all.get(4).path("position").asText()));

    assertThat(rest).isEqualTo(all.subList(5, all.size()));
  }

  private static List<JsonNode> lines(RunsCommandIT.Result r) {
    assertThat(r.code()).as(r.err()).isZero();
    return r.out().lines().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (IOException e) {
        throw new AssertionError(l, e);
      }
    }).toList();
  }

  private static RunsCommandIT.Result stream(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("stream"));
    all.addAll(List.of(args));
    all.addAll(List.of("--bootstrap-servers", engine.bootstrapServers(), "--topic-prefix", "cli-stream", "--idle-timeout", "30"));
    return RunsCommandIT.run(all.toArray(String[]::new));
  }
}
