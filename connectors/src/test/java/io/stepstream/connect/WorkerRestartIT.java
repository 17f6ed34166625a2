package io.stepstream.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.RunResult;
import io.stepstream.client.WorkflowClient;
import io.stepstream.connect.LoopbackWebhook.Answer;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.SupportWorkflows;
import io.stepstream.internal.client.TopicScanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker killed (SIGKILL) in the middle of the stream and started again on the same state: nothing is lost, on
 * either side. Refund requests come from a file through the transform; their approval requests go through the
 * webhook sink to an inbox that approves them. The inbox holds its answer to the 4th delivery, so the worker dies
 * with that POST in flight (its offset not committed); more lines are appended while it is down.
 */
@Timeout(300)
class WorkerRestartIT {
  static final String PREFIX = "rs";

  @TempDir Path dir;
  EmbeddedKafka kafka;
  Stepstream engine;
  LoopbackWebhook webhook;
  ConnectWorker worker;

  @AfterEach
  void stop() throws Exception {
    if (worker != null) {
      worker.close();
    }
    if (webhook != null) {
      webhook.close();
    }
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aWorkerKilledMidStreamAndRestartedLosesNothingAndRepeatsDeliveriesWithTheSameIdempotencyKey() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(2)
        .approvalSecret("restart-it-secret")
        .register(SupportWorkflows.REFUND, SupportWorkflows.Refund.class, SupportWorkflows.REFUND_WORKFLOW)
        .build()
        .start();
    WorkflowClient client = engine.client();
    String approve = "{\"decision\":\"APPROVE\",\"approver\":\"alice\"}";
    AtomicInteger answered = new AtomicInteger();
    AtomicReference<String> held = new AtomicReference<>();
    CountDownLatch release = new CountDownLatch(1);
    webhook = new LoopbackWebhook(call -> {
      if (answered.incrementAndGet() > 3 && held.compareAndSet(null, runIdOf(call))) {
        waitFor(release); // the worker is killed while this POST waits for its answer
      }
      return Answer.ok(approve);
    });

    Path lines = dir.resolve("refunds.jsonl");
    Files.writeString(lines, refunds(1, 10));
    Path configs = dir.resolve("connectors");
    Path[] connectors = {
        ConnectWorker.connectorFile(configs, Map.ofEntries(
            Map.entry("name", "refunds"),
            Map.entry("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector"),
            Map.entry("file", lines.toString()),
            Map.entry("topic", "refunds-raw"),
            Map.entry("transforms", "toRequest"),
            Map.entry("transforms.toRequest.type", ToWorkflowRequest.class.getName()),
            Map.entry("transforms.toRequest.run.id.template", "restart-${ticket}"),
            Map.entry("transforms.toRequest.workflow.type", SupportWorkflows.REFUND),
            Map.entry("transforms.toRequest.input.fields", "customer,amount"),
            Map.entry("transforms.toRequest.stepstream.topic.prefix", PREFIX))),
        ConnectWorker.connectorFile(configs, Map.ofEntries(
            Map.entry("name", "inbox"),
            Map.entry("connector.class", ApprovalWebhookSinkConnector.class.getName()),
            Map.entry("topics", PREFIX + ".approval-requests"),
            Map.entry("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
            Map.entry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"),
            Map.entry("webhook.url", webhook.url()),
            Map.entry("webhook.request.timeout.ms", "120000"),
            Map.entry("stepstream.topic.prefix", PREFIX),
            Map.entry("stepstream.bootstrap.servers", kafka.bootstrapServers())))};

    worker = ConnectWorker.start(dir.resolve("worker"), kafka.bootstrapServers(), connectors);
    await().atMost(Duration.ofSeconds(120)).until(() -> held.get() != null);
    worker.kill();
    release.countDown();
    Files.writeString(lines, refunds(11, 20), StandardOpenOption.APPEND); // written while no worker runs
    worker = ConnectWorker.start(dir.resolve("worker"), kafka.bootstrapServers(), connectors);

    for (int ticket = 1; ticket <= 20; ticket++) {
      RunResult result = client.awaitResult("restart-" + ticket, Duration.ofSeconds(120));
      assertThat(result.output(String.class)).as("restart-" + ticket).startsWith("refunded " + ticket + " to ada (approved by alice");
    }
    assertThat(webhook.callsFor(held.get())).as("the POST in flight at the crash is delivered again after the restart, with the same key")
        .filteredOn(call -> call.idempotencyKey().equals(held.get() + "/refund-review")).hasSizeGreaterThanOrEqualTo(2);
    // every delivery's key names its run and approval (and, once the wait is resolved, its resolution)
    assertThat(webhook.calls()).allSatisfy(call -> assertThat(call.idempotencyKey()).startsWith(runIdOf(call) + "/refund-review"));
    Map<String, Long> resultsPerRun = TopicScanner.readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
            engine.topics().results(), -1, Duration.ofSeconds(30)).stream()
        .collect(Collectors.groupingBy(r -> r.key(), Collectors.counting()));
    assertThat(resultsPerRun).as("one result per run, though lines and deliveries may repeat").hasSize(20)
        .allSatisfy((run, count) -> assertThat(count).isEqualTo(1));
  }

  static String refunds(int from, int to) {
    return IntStream.rangeClosed(from, to)
        .mapToObj(i -> "{\"ticket\": " + i + ", \"customer\": \"ada\", \"amount\": " + i + "}\n")
        .collect(Collectors.joining());
  }

  static String runIdOf(LoopbackWebhook.Call call) {
    String body = call.body();
    int start = body.indexOf("\"runId\":\"") + 9;
    return body.substring(start, body.indexOf('"', start));
  }

  static void waitFor(CountDownLatch latch) {
    try {
      latch.await(120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
