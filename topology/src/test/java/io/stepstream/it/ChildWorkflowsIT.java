package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.ChildOptions;
import io.stepstream.DurableFuture;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child workflows on a real broker with two engine instances and four partitions: parents and their
 * children live on different partitions (and mostly on different instances), so every start, result
 * and cancel crosses partitions through the input topics, in the engines' transactions.
 */
@Timeout(240)
class ChildWorkflowsIT {
  private static final int PARTITIONS = 4;
  private static final Map<String, AtomicInteger> EFFECTS = new ConcurrentHashMap<>();
  private static final io.stepstream.internal.codec.EnvelopeReader READER = io.stepstream.internal.codec.EnvelopeReader.withoutRegistry();

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream first;
  static Stepstream second;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    first = engine("a").start();
    second = engine("b").start();
  }

  private static Stepstream engine(String name) {
    return Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix("kids")
        .applicationId("kids-engine")
        .stateDir(dir.resolve("state-" + name))
        .partitions(PARTITIONS)
        .approvalSecret("children-it-secret")
        .register("research", String.class, (ctx, q) -> ctx.step("search", String.class, s -> {
          EFFECTS.computeIfAbsent(s.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet();
          return "finding(" + q + ")";
        }))
        .register("fan-out", Integer.class, (ctx, n) -> {
          List<DurableFuture<String>> children = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            children.add(ctx.startChild("q-" + i, "research", "q" + i, String.class, ChildOptions.defaults().maxActiveChildren(3)));
          }
          return children.stream().map(DurableFuture::get).collect(Collectors.joining(","));
        })
        .register("waits-a-day", String.class, (ctx, in) -> ctx.awaitEvent("never", String.class, Duration.ofDays(1)))
        .register("awaits-child", String.class, (ctx, in) -> ctx.startChild("child", "waits-a-day", in, String.class).get())
        .build();
  }

  @AfterAll
  static void stop() {
    for (Stepstream engine : new Stepstream[] {first, second}) {
      if (engine != null) {
        engine.close();
      }
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aParentGetsTheResultsOfTwelveChildrenOnOtherPartitionsAndEachRanOnce() throws Exception {
    String parent = "fan-out-1";
    try (WorkflowClient client = client()) {
      client.start("fan-out", parent, 12);
      RunResult result = client.awaitResult(parent, Duration.ofSeconds(120));

      assertThat(result.status()).as("%s", result).isEqualTo(RunStatus.COMPLETED);
      assertThat(result.output(String.class))
          .isEqualTo(IntStream.range(0, 12).mapToObj(i -> "finding(q" + i + ")").collect(Collectors.joining(",")));
    }
    List<String> children = IntStream.range(0, 12).mapToObj(i -> parent + "::q-" + i).toList();
    assertThat(children).as("some children live on another partition than their parent")
        .anySatisfy(child -> assertThat(home(child)).isNotEqualTo(home(parent)));
    Map<String, Long> results = TopicReader.readAll(first.bootstrapServers(), "kids.results").stream()
        .collect(Collectors.groupingBy(r -> r.key(), Collectors.counting()));
    assertThat(results).containsKeys(children.toArray(String[]::new));
    assertThat(results).allSatisfy((run, n) -> assertThat(n).as(run).isEqualTo(1L));
    assertThat(EFFECTS.keySet().stream().filter(k -> k.startsWith(parent + "::"))).hasSize(12);
    assertThat(EFFECTS).allSatisfy((key, n) -> assertThat(n.get()).as(key).isEqualTo(1));
    assertThat(TopicReader.readAll(first.bootstrapServers(), "kids.dlq")).isEmpty();
  }

  @Test
  void cancellingAParentCancelsItsChildOnAnotherPartition() throws Exception {
    String parent = IntStream.range(0, 100).mapToObj(i -> "cancel-me-" + i)
        .filter(p -> home(p) != home(p + "::child")).findFirst().orElseThrow();
    try (WorkflowClient client = client()) {
      client.start("awaits-child", parent, "x");
      // the child is running (waiting for its event) once its wait is on the events topic
      awaitEvent(parent + "::child", "RUN_WAITING");

      var cancel = client.cancel(parent, "no longer needed", Duration.ofSeconds(30));
      assertThat(cancel.accepted()).as("%s", cancel).isTrue();

      RunResult parentResult = client.awaitResult(parent, Duration.ofSeconds(60));
      RunResult childResult = client.awaitResult(parent + "::child", Duration.ofSeconds(60));
      assertThat(parentResult.status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(childResult.status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(childResult.errorMessage()).contains("its parent run " + parent + " ended CANCELLED");
    }
  }

  private static void awaitEvent(String runId, String type) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      boolean seen = TopicReader.readAll(first.bootstrapServers(), "kids.events").stream()
          .filter(r -> runId.equals(r.key()))
          .anyMatch(r -> READER.auditEvent(r.value()).getType().name().equals(type));
      if (seen) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no " + type + " event for run " + runId + " within 60 s");
  }

  private static WorkflowClient client() {
    return WorkflowClient.builder().bootstrapServers(first.bootstrapServers()).topicPrefix("kids").build();
  }

  private static int home(String runId) {
    return BuiltInPartitioner.partitionForKey(runId.getBytes(StandardCharsets.UTF_8), PARTITIONS);
  }
}
