package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.Budget;
import io.stepstream.BudgetExceededException;
import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.Usage;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.client.HistoryEntry;
import io.stepstream.client.RunDescription;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.EngineTestHooks;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.codec.Envelopes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Usage and run budgets on a real broker (ADR 0018): an agent whose steps report usage, one attempt
 * failing after it spent, stops at its budget and returns a partial answer; the total is in the
 * result {@link WorkflowClient} reads, in the audit events, in {@code /metrics} and in describe and
 * history through the client.
 */
@Timeout(300)
class RunBudgetsIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private final AtomicInteger researchAttempts = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void anAgentStopsAtItsBudgetAndItsUsageShowsInResultEventsMetricsAndQueries() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      Stepstream.Builder builder = Stepstream.builder()
          .bootstrapServers(kafka.bootstrapServers())
          .topicPrefix("bud")
          .applicationId("budgets-it")
          .stateDir(dir.resolve("state"))
          .partitions(2)
          .disableApprovalTokenVerification()
          .httpServer("127.0.0.1", 0)
          .register("agent", String.class, (ctx, question) -> {
            ctx.budget(Budget.ofTokens(1_000).withMaxCost(1.0));
            StringBuilder notes = new StringBuilder();
            try {
              notes.append(ctx.step("research", String.class, s -> {
                s.reportUsage(Usage.tokens(300, 0).withCost(0.03)); // spent, then the provider failed
                if (researchAttempts.incrementAndGet() == 1) {
                  throw new IllegalStateException("provider closed the stream");
                }
                return "sources;";
              }));
              for (int i = 1; i <= 10; i++) {
                notes.append(ctx.step("draft-" + i, String.class, s -> {
                  s.reportUsage(Usage.tokens(100, 100).withCost(0.02));
                  return s.stepName() + ";";
                }));
              }
              return "complete: " + notes;
            } catch (BudgetExceededException e) {
              return "partial after " + ctx.usage().totalTokens() + " tokens: " + notes + " (" + e.step() + " refused)";
            }
          }, RetryPolicy.builder().maximumAttempts(3).initialInterval(Duration.ofMillis(100)).jitter(0).build());
      try (Stepstream engine = EngineTestHooks.httpAuth(builder, new QueriesIT.NamedCallersOnly()).build().start()) {
        String base = "http://127.0.0.1:" + engine.httpAddress().getPort();
        try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix("bud")
            .engineUrl(base).engineUser("tester").build()) {
          client.start("agent", "agent-1", "why is the sky blue?");
          RunResult result = client.awaitResult("agent-1", Duration.ofSeconds(90));

          // research: 2 attempts x 300 = 600; drafts of 200 each: draft-1 (800), draft-2 (1000), draft-3 refused
          assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
          assertThat(result.output(String.class)).isEqualTo("partial after 1000 tokens: sources;draft-1;draft-2; (draft-3 refused)");
          assertThat(result.usage().inputTokens()).isEqualTo(800);
          assertThat(result.usage().outputTokens()).isEqualTo(200);
          assertThat(result.usage().cost()).isCloseTo(0.10, within(1e-9));

          List<AuditEvent> events = TopicReader.readAll(kafka.bootstrapServers(), engine.topics().events()).stream()
              .map(r -> Envelopes.auditEvent(r.value())).filter(e -> e.getRunId().equals("agent-1")).toList();
          AuditEvent failedAttempt = events.stream().filter(e -> e.getType() == AuditEventType.STEP_ATTEMPT_FAILED).findFirst().orElseThrow();
          assertThat(failedAttempt.getUsage().getInputTokens()).isEqualTo(300);
          AuditEvent refused = events.stream().filter(e -> e.getType() == AuditEventType.STEP_FAILED).findFirst().orElseThrow();
          assertThat(refused.getStep()).isEqualTo("draft-3");
          assertThat(refused.getDetail()).startsWith("BUDGET_EXCEEDED");
          AuditEvent completed = events.stream().filter(e -> e.getType() == AuditEventType.RUN_COMPLETED).findFirst().orElseThrow();
          assertThat(completed.getUsage().getInputTokens()).isEqualTo(800);
          assertThat(completed.getUsage().getOutputTokens()).isEqualTo(200);

          String metrics = getAs(base + "/metrics");
          assertThat(series(metrics, "stepstream_usage_tokens_total", "workflow_type=\"agent\"", "direction=\"input\"")).isEqualTo(800.0);
          assertThat(series(metrics, "stepstream_usage_tokens_total", "workflow_type=\"agent\"", "direction=\"output\"")).isEqualTo(200.0);
          assertThat(series(metrics, "stepstream_usage_cost_total", "workflow_type=\"agent\"")).isCloseTo(0.10, within(1e-9));

          await().atMost(Duration.ofSeconds(30)).until(() -> client.describe("agent-1").map(d -> d.summary().status() == RunStatus.COMPLETED).orElse(false));
          RunDescription description = client.describe("agent-1").orElseThrow();
          assertThat(description.usage()).isEqualTo(result.usage());
          List<HistoryEntry> history = client.history("agent-1").orElseThrow().entries();
          assertThat(history).filteredOn(e -> e.name().equals("research@1")).extracting(HistoryEntry::usage)
              .containsExactly(new Usage(300, 0, 0.03));
          assertThat(history).filteredOn(e -> e.name().equals("draft-3")).extracting(HistoryEntry::usage).containsOnlyNulls();
          JsonNode raw = JSON.readTree(getAs(base + "/api/runs/agent-1"));
          assertThat(raw.path("usage").path("totalTokens").asLong()).isEqualTo(1000);
        }
      }
    }
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }

  private String getAs(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("X-Stepstream-User", "tester").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }

  /** The value of the one Prometheus series {@code name} whose labels include all of {@code labels}. */
  private static double series(String body, String name, String... labels) {
    List<String> lines = body.lines()
        .filter(l -> l.startsWith(name + "{") && List.of(labels).stream().allMatch(l::contains))
        .toList();
    assertThat(lines).as("series %s%s", name, List.of(labels)).hasSize(1);
    String line = lines.get(0);
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }
}
