package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.ApprovalRequest;
import io.stepstream.RunStatus;
import io.stepstream.client.WorkflowClient;
import io.stepstream.engine.Stepstream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code stepstream runs list|describe|history} and {@code approvals --engine-url} against a dev-mode
 * engine (its own broker, dev-mode HTTP API) with completed and waiting runs.
 */
@Timeout(180)
class RunsCommandIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Stepstream engine;
  static String url;

  @BeforeAll
  static void startEngineWithRuns() {
    engine = Stepstream.builder()
        .devMode()
        .stateDir(dir.resolve("state"))
        .topicPrefix("cli-runs")
        .partitions(2)
        .httpServer("127.0.0.1", 0)
        .register("greet", String.class, (ctx, in) -> ctx.step("hello", String.class, s -> "hello " + in))
        .register("review", String.class, (ctx, in) -> {
          ctx.awaitApproval("publish", ApprovalRequest.of("publish " + in + "?"), Duration.ofHours(1));
          return "published";
        })
        .build()
        .start();
    url = "http://127.0.0.1:" + engine.httpAddress().getPort();
    WorkflowClient client = engine.client();
    for (int i = 0; i < 3; i++) {
      client.start("greet", "greet-" + i, "world " + i);
    }
    client.start("review", "review-1", "post 1");
    for (int i = 0; i < 3; i++) {
      assertThat(client.awaitResult("greet-" + i, Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.COMPLETED);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> run("runs", "describe", "review-1", "--engine-url", url).out.contains("WAITING"));
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void runsListJsonPrintsTheApiShapeAndPagesWithTheCursor() throws Exception {
    Result first = run("runs", "list", "--engine-url", url, "--json", "--limit", "3");
    assertThat(first.code).as(first.err).isZero();
    JsonNode page = JSON.readTree(first.out);
    assertThat(page.path("runs")).hasSize(3);
    assertThat(page.path("runs").get(0).has("workflowType")).isTrue();
    List<String> ids = new ArrayList<>();
    page.path("runs").forEach(r -> ids.add(r.path("runId").asText()));
    Result second = run("runs", "list", "--engine-url", url, "--json", "--limit", "3", "--cursor", page.path("nextCursor").asText());
    JsonNode rest = JSON.readTree(second.out);
    rest.path("runs").forEach(r -> ids.add(r.path("runId").asText()));
    assertThat(rest.path("nextCursor").isNull()).isTrue();
    assertThat(ids).containsExactlyInAnyOrder("greet-0", "greet-1", "greet-2", "review-1");

    Result waiting = run("runs", "list", "--engine-url", url, "--status", "waiting", "--json");
    assertThat(JSON.readTree(waiting.out).path("runs")).extracting(r -> r.path("runId").asText()).containsExactly("review-1");
  }

  @Test
  void runsListPrintsATableWithFilters() {
    Result table = run("runs", "list", "--engine-url", url, "--type", "greet", "--since", "1h");
    assertThat(table.code).as(table.err).isZero();
    assertThat(table.out).contains("RUN ID", "TYPE", "STATUS", "greet-0", "greet-1", "greet-2", "COMPLETED").doesNotContain("review-1");
    Result none = run("runs", "list", "--engine-url", url, "--search", "nothing-like-this");
    assertThat(none.out).contains("no runs");
    Result bad = run("runs", "list", "--engine-url", url, "--status", "SLEEPING");
    assertThat(bad.code).isEqualTo(2);
    assertThat(bad.err).contains("--status SLEEPING: not a run status");
  }

  @Test
  void runsDescribeAndHistoryShowOneRunOrSayItDoesNotExist() throws Exception {
    Result describe = run("runs", "describe", "greet-1", "--engine-url", url);
    assertThat(describe.code).as(describe.err).isZero();
    assertThat(describe.out).contains("greet-1", "COMPLETED", "hello world 1", "served by:", "current step: hello (attempt 1)");
    JsonNode json = JSON.readTree(run("runs", "describe", "review-1", "--engine-url", url, "--json").out);
    assertThat(json.path("waitKind").asText()).isEqualTo("APPROVAL");
    assertThat(json.path("servedBy").asText()).endsWith(":" + engine.httpAddress().getPort());

    Result history = run("runs", "history", "greet-2", "--engine-url", url);
    assertThat(history.out).contains("KIND", "STEP", "hello", "\"hello world 2\"", "RESULT");
    JsonNode historyJson = JSON.readTree(run("runs", "history", "greet-2", "--engine-url", url, "--json").out);
    assertThat(historyJson.path("entries").get(0).path("name").asText()).as("the input comes first").isEqualTo("$input");
    assertThat(historyJson.path("entries").get(1).path("name").asText()).isEqualTo("hello");

    Result missing = run("runs", "describe", "no-such-run", "--engine-url", url);
    assertThat(missing.code).isEqualTo(1);
    assertThat(missing.err).contains("no run no-such-run");
    Result down = run("runs", "list", "--engine-url", "http://127.0.0.1:1");
    assertThat(down.code).isEqualTo(1);
    assertThat(down.err).contains("no Stepstream engine answered at http://127.0.0.1:1");
  }

  @Test
  void approvalsWithAnEngineUrlListsFromTheEngine() {
    Result approvals = run("approvals", "--engine-url", url);
    assertThat(approvals.code).as(approvals.err).isZero();
    assertThat(approvals.out).contains("review-1", "publish", "publish post 1?", "token: v1.");
  }

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = StepstreamCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }
}
