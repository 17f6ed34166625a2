package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.PendingApproval;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.examples.ResearchWorkflows;
import io.stepstream.examples.SupportWorkflows;
import io.stepstream.examples.SupportWorkflows.Refund;
import io.stepstream.examples.SupportWorkflows.Reply;
import io.stepstream.examples.SupportWorkflows.Ticket;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The runnable jar as users run it: {@code java -jar stepstream.jar engine --workflows JAR ...} in its
 * own process, against a real broker, with workflows it was not compiled with.
 */
@Timeout(240)
class EngineCommandIT {
  private static final String SECRET = "engine-command-it-secret";

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Process engine;
  static Path engineLog;
  static String httpBase;
  private static final Pattern HTTP_LINE = Pattern.compile("health and metrics: http://127\\.0\\.0\\.1:(\\d+)");

  @BeforeAll
  static void startBrokerAndEngine() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    Path secretFile = dir.resolve("approval-secret");
    Files.writeString(secretFile, SECRET + "\n");
    Path clientProperties = dir.resolve("client.properties");
    // a --command-config file as Kafka's tools take it; here it carries the cluster address
    Files.writeString(clientProperties, "bootstrap.servers=" + kafka.bootstrapServers() + "\nclient.dns.lookup=use_all_dns_ips\n");
    engineLog = dir.resolve("engine.log");
    engine =
        jar("engine", "--workflows", System.getProperty("examples.jar"), "--command-config", clientProperties.toString(),
                "--topic-prefix", "ec", "--state-dir", dir.resolve("state").toString(), "--partitions", "3",
                "--approval-secret-file", secretFile.toString(), "--http-bind", "127.0.0.1:0")
            .redirectErrorStream(true).redirectOutput(engineLog.toFile()).start();
    await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          assertThat(engine.isAlive()).as("engine exited early:\n%s", log()).isTrue();
          return log().contains("stepstream engine ready") && HTTP_LINE.matcher(log()).find();
        });
    Matcher http = HTTP_LINE.matcher(log());
    assertThat(http.find()).isTrue();
    httpBase = "http://127.0.0.1:" + http.group(1);
  }

  @AfterAll
  static void stop() throws Exception {
    if (engine != null && engine.isAlive()) {
      engine.destroy(); // SIGTERM: the engine leaves its group and exits
      if (!engine.waitFor(60, TimeUnit.SECONDS)) {
        engine.destroyForcibly();
      }
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void theEngineRunsWorkflowsDiscoveredInAJarItWasNotBuiltWith() {
    assertThat(log()).contains("support-triage").contains("refund-approval").contains(SupportWorkflows.class.getName());
    try (WorkflowClient client = client()) {
      RunResult result = client.start(SupportWorkflows.TRIAGE, "ticket-1", new Ticket("T-1", "ada", "please refund me")).await(Duration.ofSeconds(90));

      assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(result.output(Reply.class).ticketId()).isEqualTo("T-1");
      assertThat(result.output(Reply.class).category()).isEqualTo("billing");
    }
  }

  @Test
  void theResearchAgentFansOutToParallelSearchesAndSynthesizesTheirFindings() {
    try (WorkflowClient client = client()) {
      RunResult result =
          client.start(ResearchWorkflows.RESEARCH, "research-1", new ResearchWorkflows.Question("durable agents", 6)).await(Duration.ofSeconds(90));

      assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
      ResearchWorkflows.Report report = result.output(ResearchWorkflows.Report.class);
      // fan-in keeps the order the searches were planned in, whichever finished first
      assertThat(report.findings()).extracting(ResearchWorkflows.Finding::query)
          .containsExactly("durable agents history", "durable agents current state", "durable agents open problems",
              "durable agents key people", "durable agents costs", "durable agents risks");
      assertThat(report.findings()).allSatisfy(f -> assertThat(f.summary()).startsWith("what the sources say about durable agents"));
      assertThat(report.synthesis()).startsWith("On durable agents, drawing on 6 searches");
    }
  }

  @Test
  void theEngineServesHealthAndMetricsOnTheAddressItPrints() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    assertThat(get(http, "/health/ready").statusCode()).isEqualTo(200);
    assertThat(get(http, "/health/live").statusCode()).isEqualTo(200);
    try (WorkflowClient client = client()) {
      client.start(SupportWorkflows.TRIAGE, "metrics-1", new Ticket("T-9", "bob", "my app crashes")).await(Duration.ofSeconds(90));
    }

    String metrics = get(http, "/metrics").body();
    assertThat(counter(metrics, "stepstream_runs_finished_total{application_id=\"ec-engine\",status=\"COMPLETED\"}")).isGreaterThanOrEqualTo(1);
    assertThat(counter(metrics, "stepstream_step_duration_seconds_count{application_id=\"ec-engine\",outcome=\"succeeded\",workflow_type=\"support-triage\"}"))
        .isGreaterThanOrEqualTo(3);
    assertThat(metrics).contains("kafka_stream_thread_process_total");
  }

  @Test
  void theApprovalsCommandPrintsEachPendingApprovalsTokenAndApproveDecidesIt() {
    try (WorkflowClient client = client()) {
      var handle = client.start(SupportWorkflows.REFUND, "refund-1", new Refund("ada", 42));
      PendingApproval pending =
          await().atMost(90, TimeUnit.SECONDS).until(
              () -> client.pendingApprovals(Duration.ofSeconds(10)).stream().filter(p -> p.runId().equals("refund-1")).findFirst(),
              Optional::isPresent).orElseThrow();

      String listing = cli("approvals", "--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", "ec");
      assertThat(listing).contains("refund-1").contains("refund-review").contains("token: " + pending.token());

      cli("approve", "refund-1", "refund-review", "--as", "alice", "--approval-secret", SECRET,
          "--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", "ec");
      assertThat(handle.await(Duration.ofSeconds(90)).output(String.class)).startsWith("refunded 42 to ada").contains("approved by alice");
    }
  }

  @Test
  void aJarWithoutARegistrarIsRefusedWithWhatToDo() throws Exception {
    var run = runToExit(jar("engine", "--workflows", System.getProperty("api.jar"), "--bootstrap-servers", kafka.bootstrapServers(),
        "--state-dir", dir.resolve("none").toString(), "--approval-secret", SECRET), "no-registrar.log");

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output()).contains("no io.stepstream.WorkflowRegistrar").contains("META-INF/services/io.stepstream.WorkflowRegistrar");
  }

  @Test
  void anEngineWithoutAClusterIsRefusedInsteadOfStartingABroker() throws Exception {
    var run = runToExit(jar("engine", "--workflows", System.getProperty("examples.jar"), "--state-dir", dir.resolve("nowhere").toString()),
        "no-cluster.log");

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output()).contains("--bootstrap-servers");
    assertThat(dir.resolve("nowhere").resolve("kafka")).doesNotExist();
  }

  record Exited(int exitCode, String output) {}

  /** Runs a command that must end by itself; one that does not is killed and fails the test. */
  private static Exited runToExit(ProcessBuilder command, String logName) throws Exception {
    Path log = dir.resolve(logName);
    Process p = command.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = p.waitFor(90, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("the command should have ended by itself:\n%s", output).isTrue();
    return new Exited(p.exitValue(), output);
  }

  private static HttpResponse<String> get(HttpClient http, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(httpBase + path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of one Prometheus sample line, e.g. {@code name{tags} 3.0}; fails if it is absent. */
  private static double counter(String metrics, String series) {
    return metrics.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .findFirst().orElseThrow(() -> new AssertionError(series + " not in /metrics:\n" + metrics));
  }

  private static WorkflowClient client() {
    return WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix("ec").build();
  }

  private static String cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new CommandLine(new StepstreamCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    assertThat(code).as("stepstream %s\n%s%s", String.join(" ", args), out, err).isZero();
    return out.toString();
  }

  private static ProcessBuilder jar(String... args) {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-Xmx512m", "-jar", System.getProperty("stepstream.jar")));
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  private static String log() {
    try {
      return Files.exists(engineLog) ? Files.readString(engineLog) : "";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
