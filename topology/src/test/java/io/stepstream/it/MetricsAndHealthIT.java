package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.RunHandle;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.engine.EngineTelemetry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's HTTP endpoint and JMX bean on a real broker: ready only once start() returned, the
 * counters and histograms /metrics shows after known work, Kafka's own metrics beside them, the
 * request's trace context on the result, and nothing left bound after close.
 */
@Timeout(240)
class MetricsAndHealthIT {
  static final String APP = "mh-engine";
  static final int RUNS = 5;

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void healthMetricsJmxAndTraceContextOfARealEngine() throws Exception {
    // the broker comes up only after the engine began to start, so "not ready yet" is observable
    int brokerPort = freePort();
    Path kafkaDir = dir.resolve("kafka");
    Files.createDirectories(kafkaDir);
    Files.writeString(kafkaDir.resolve("ports.properties"), "broker.port=" + brokerPort + "\ncontroller.port=" + freePort() + "\n");
    Stepstream engine =
        Stepstream.builder()
            .bootstrapServers("127.0.0.1:" + brokerPort)
            .topicPrefix("mh")
            .applicationId(APP)
            .stateDir(dir.resolve("state"))
            .partitions(2)
            .disableApprovalTokenVerification()
            .httpServer("127.0.0.1", 0)
            .jmx(true)
            .register("three-steps", String.class, (ctx, in) -> {
              String a = ctx.step("one", String.class, s -> in + "1");
              String b = ctx.step("two", String.class, s -> a + "2");
              return ctx.step("three", String.class, s -> b + "3");
            })
            .register("fails", String.class, (ctx, in) -> ctx.step("explode", String.class, s -> {
              throw new IllegalStateException("no luck");
            }), RetryPolicy.noRetries())
            .register("naps", String.class, (ctx, in) -> {
              ctx.sleep("nap", Duration.ofMillis(200));
              return "woke";
            })
            .build();
    EmbeddedKafka kafka = null;
    try {
      CompletableFuture<Stepstream> started = CompletableFuture.supplyAsync(engine::start);
      await().atMost(Duration.ofSeconds(30)).until(() -> engine.httpAddress() != null);
      String base = "http://127.0.0.1:" + engine.httpAddress().getPort();

      HttpResponse<String> notYet = get(base + "/health/ready");
      assertThat(started).as("start() cannot finish without a broker").isNotDone();
      assertThat(notYet.statusCode()).isEqualTo(503);
      assertThat(notYet.body()).contains("\"status\":\"DOWN\"", "start() has not completed");
      assertThat(get(base + "/health/live").statusCode()).as("starting is alive").isEqualTo(200);

      kafka = EmbeddedKafka.start(kafkaDir);
      assertThat(kafka.bootstrapServers()).endsWith(":" + brokerPort);
      started.get(120, TimeUnit.SECONDS);

      HttpResponse<String> ready = get(base + "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("\"status\":\"UP\"", "\"state\":\"RUNNING\"");
      assertThat(get(base + "/health/live").statusCode()).isEqualTo(200);

      runKnownWork(engine);
      String traceId = runTracedRun(engine);

      Map<String, Double> metrics = parse(get(base + "/metrics"));
      String app = "application_id=\"" + APP + "\"";
      assertThat(value(metrics, "stepstream_runs_started_total", app)).isEqualTo(RUNS + 3.0);
      assertThat(value(metrics, "stepstream_runs_finished_total", app, "status=\"COMPLETED\"")).isEqualTo(RUNS + 2.0);
      assertThat(value(metrics, "stepstream_runs_finished_total", app, "status=\"FAILED\"")).isEqualTo(1.0);
      assertThat(value(metrics, "stepstream_dlq_records_total", app, "reason=\"UNDECODABLE_REQUEST\"")).isEqualTo(1.0);
      assertThat(value(metrics, "stepstream_step_duration_seconds_count", app, "workflow_type=\"three-steps\"", "outcome=\"succeeded\""))
          .as("one per step executed: %s runs of 3 steps", RUNS + 1).isEqualTo(3.0 * (RUNS + 1));
      assertThat(value(metrics, "stepstream_step_duration_seconds_count", app, "workflow_type=\"fails\"", "outcome=\"failed\"")).isEqualTo(1.0);
      assertThat(value(metrics, "stepstream_step_duration_seconds_bucket", app, "workflow_type=\"three-steps\"", "outcome=\"succeeded\"", "le=\"+Inf\""))
          .isEqualTo(3.0 * (RUNS + 1));
      assertThat(value(metrics, "stepstream_timer_lateness_seconds_count", app)).isEqualTo(1.0);
      assertThat(value(metrics, "stepstream_outcome_publish_seconds_count", app, "result=\"acked\"")).isGreaterThanOrEqualTo(RUNS + 3.0);
      assertThat(value(metrics, "stepstream_outcomes_ignored_total", app, "reason=\"duplicate\"")).isEqualTo(0.0);
      assertThat(value(metrics, "stepstream_executor_queued", app)).isEqualTo(0.0);
      assertThat(metrics.keySet()).anySatisfy(k -> assertThat(k).startsWith("stepstream_executor_active{"));
      assertThat(metrics.keySet()).as("Kafka Streams' own metrics").anySatisfy(k -> assertThat(k).startsWith("kafka_stream_thread_"));
      assertThat(metrics.keySet()).as("the outcome producer's client metrics")
          .anySatisfy(k -> assertThat(k).startsWith("kafka_producer_").contains("client_id=\"stepstream-outcomes\""));

      ObjectName bean = EngineTelemetry.objectName(APP);
      assertThat(bean.toString()).isEqualTo("io.stepstream:type=Engine,name=" + APP);
      var jmx = ManagementFactory.getPlatformMBeanServer();
      assertThat(jmx.getAttribute(bean, "RunsFinished")).isEqualTo((long) RUNS + 3);
      assertThat(jmx.getAttribute(bean, "DeadLetters")).isEqualTo(1L);
      assertThat(jmx.getAttribute(bean, "Ready")).isEqualTo(true);

      assertThat(traceId).isNotNull();
      engine.close();

      assertThat(jmx.isRegistered(bean)).as("unregistered on close").isFalse();
      assertThatThrownBy(() -> get(base + "/health/live")).isInstanceOf(ConnectException.class);
    } finally {
      engine.close();
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  /** RUNS three-step runs, one failing run, one napping run (a timer), one poison request. */
  private void runKnownWork(Stepstream engine) throws Exception {
    List<RunHandle> handles = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      handles.add(engine.client().start("three-steps", "run-" + i, "x"));
    }
    handles.add(engine.client().start("fails", "fail-1", "x"));
    handles.add(engine.client().start("naps", "nap-1", "x"));
    for (RunHandle handle : handles) {
      RunResult result = handle.await(Duration.ofSeconds(60));
      assertThat(result.status()).as(handle.runId()).isEqualTo(handle.runId().startsWith("fail") ? RunStatus.FAILED : RunStatus.COMPLETED);
    }
    try (KafkaProducer<String, byte[]> producer = producer(engine)) {
      producer.send(new ProducerRecord<>(engine.topics().requests(), "poison-1", "not json".getBytes(StandardCharsets.UTF_8))).get();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> TopicReader.readAll(engine.bootstrapServers(), engine.topics().deadLetters()).size() == 1);
  }

  /** A run started inside the application's span: its result carries that trace. */
  private String runTracedRun(Stepstream engine) {
    var processor = SimpleSpanProcessor.create(InMemorySpanExporter.create());
    try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(processor).build()).build()) {
      Span span = sdk.getTracer("the-application").spanBuilder("POST /tickets").startSpan();
      RunHandle handle;
      try (Scope ignored = span.makeCurrent()) {
        handle = engine.client().start("three-steps", "traced-1", "x");
      } finally {
        span.end();
      }
      assertThat(handle.await(Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.COMPLETED);
      String traceId = span.getSpanContext().getTraceId();
      ConsumerRecord<String, byte[]> result =
          TopicReader.readAll(engine.bootstrapServers(), engine.topics().results()).stream().filter(r -> r.key().equals("traced-1")).findFirst().orElseThrow();
      String traceparent = new String(result.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8);
      assertThat(traceparent).startsWith("00-" + traceId + "-" + span.getSpanContext().getSpanId());
      return traceId;
    }
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Prometheus text: {@code name{labels} value} per line, comments skipped. */
  private static Map<String, Double> parse(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
    Map<String, Double> values = new HashMap<>();
    for (String line : response.body().split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return values;
  }

  /** The value of the one series named {@code name} whose labels include all of {@code labels}. */
  private static double value(Map<String, Double> metrics, String name, String... labels) {
    List<Map.Entry<String, Double>> matches = metrics.entrySet().stream()
        .filter(e -> e.getKey().startsWith(name + "{") && List.of(labels).stream().allMatch(l -> e.getKey().contains(l)))
        .toList();
    assertThat(matches).as("series %s%s among %s", name, List.of(labels),
        metrics.keySet().stream().filter(k -> k.startsWith(name)).toList()).hasSize(1);
    return matches.get(0).getValue();
  }

  private static KafkaProducer<String, byte[]> producer(Stepstream engine) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, engine.bootstrapServers()), new StringSerializer(), new ByteArraySerializer());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
