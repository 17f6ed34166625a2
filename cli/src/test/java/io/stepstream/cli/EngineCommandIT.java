package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunStatus;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.examples.SupportWorkflows;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar stepstream.jar engine} as users run it: it prints where its health and metrics are, and serves them. */
@Timeout(240)
class EngineCommandIT {
  private static final Pattern HTTP_LINE = Pattern.compile("health and metrics: http://127\\.0\\.0\\.1:(\\d+) ");

  @TempDir Path dir;

  @Test
  void theEngineCommandServesHealthAndMetricsOnTheAddressItPrints() throws Exception {
    Path jar = Path.of(System.getProperty("stepstream.jar"));
    Path workflows = Path.of(System.getProperty("example.workflows.jar"));
    assertThat(jar).exists();
    assertThat(workflows).exists();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      Process engine = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
              "-jar", jar.toString(), "engine", "--workflows", workflows.toString(), "--bootstrap-servers", kafka.bootstrapServers(),
              "--topic-prefix", "cli", "--data-dir", dir.resolve("engine").toString(), "--partitions", "2",
              "--approval-secret", "cli-test-secret-0123456789", "--http-bind", "127.0.0.1:0")
          .redirectErrorStream(true)
          .start();
      try {
        int port = awaitHttpLine(engine);
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        assertThat(get(http, base + "/health/ready").statusCode()).isEqualTo(200);
        assertThat(get(http, base + "/health/live").statusCode()).isEqualTo(200);

        try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix("cli").build()) {
          var ticket = new SupportWorkflows.Ticket("T-1", "ada", "my app crashes");
          assertThat(client.start(SupportWorkflows.TRIAGE, "ticket-1", ticket).await(Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.COMPLETED);
        }

        String metrics = get(http, base + "/metrics").body();
        assertThat(metrics)
            .contains("stepstream_runs_finished_total{application_id=\"cli-engine\",status=\"COMPLETED\"} 1.0")
            .contains("stepstream_step_duration_seconds_count{application_id=\"cli-engine\",outcome=\"succeeded\",workflow_type=\"support-triage\"} 3")
            .contains("kafka_stream_thread_process_total");
      } finally {
        engine.destroy(); // SIGTERM: the shutdown hook closes the engine and leaves the group
        if (!engine.waitFor(60, TimeUnit.SECONDS)) {
          engine.destroyForcibly();
        }
      }
    }
  }

  /** Reads the engine's output until it prints its HTTP address; returns the port. */
  private static int awaitHttpLine(Process engine) throws Exception {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(engine.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          System.out.println("[engine] " + line);
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    }, "engine-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null) {
        Matcher m = HTTP_LINE.matcher(line);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      if (!engine.isAlive() && lines.isEmpty()) {
        throw new AssertionError("the engine exited with " + engine.exitValue() + " before printing its HTTP address");
      }
    }
    throw new AssertionError("the engine did not print its HTTP address within 150 s");
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
