package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.DurablePromise;
import io.stepstream.PromiseFailedException;
import io.stepstream.WorkflowFailedException;
import io.stepstream.WorkflowFailure;
import io.stepstream.client.TypedRunHandle;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A workflow hands a durable promise's id to an outside worker through a step; the worker completes
 * it with nothing but the id and a plain KafkaProducer writing the documented JSON record (so any
 * Kafka client can), or fails it through the client. Callers get the output through typed handles.
 */
@Timeout(120)
class DurablePromisesIT {
  record Verdict(String text, int score) {}

  record Task(String document, String promiseId) {}

  /** The "task queue" the workflow's step writes to and the outside worker reads from. */
  static final BlockingQueue<Task> TASKS = new LinkedBlockingQueue<>();

  private static final int PARTITIONS = 3;

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine =
        Stepstream.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .topicPrefix("pit")
            .stateDir(dir.resolve("state"))
            .approvalSecret("promises-it-secret-0123")
            .partitions(PARTITIONS) // a completion keyed by the promise id lands off its run's partition and is moved there
            .register("review", String.class, (ctx, doc) -> {
              DurablePromise<Verdict> verdict = ctx.promise("verdict", Verdict.class);
              ctx.step("send-task", Void.class, s -> {
                TASKS.add(new Task(doc, verdict.id()));
                return null;
              });
              try {
                Verdict v = verdict.get();
                return doc + ": " + v.text() + " (" + v.score() + ")";
              } catch (PromiseFailedException e) {
                throw new WorkflowFailure(e.errorType(), "review of " + doc + " failed: " + e.errorMessage());
              }
            })
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void anOutsideWorkerCompletesThePromiseWithAPlainKafkaProducerAndTheIdAlone() throws Exception {
    WorkflowClient client = engine.client();
    TypedRunHandle<String> run = client.start("review", "review-1", "contract-7", String.class);

    Task task = TASKS.poll(60, TimeUnit.SECONDS);
    assertThat(task).isNotNull();
    assertThat(task.promiseId()).startsWith("prm_");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
      // keyed by the promise id: the worker knows nothing else about the run
      producer.send(new ProducerRecord<>(engine.topics().signals(), task.promiseId(),
          "{\"promiseId\": \"" + task.promiseId() + "\", \"data\": {\"text\": \"looks good\", \"score\": 9}}")).get();
    }

    assertThat(run.await(Duration.ofSeconds(60))).isEqualTo("contract-7: looks good (9)");
  }

  /**
   * The worker's client partitions by the promise id (the only key it has), which need not hash to
   * the run's partition: the engine must move the completion to the run's home partition, where its
   * state lives, and apply it once. The run id is chosen so the two partitions differ, and the record
   * is produced to the promise id's partition explicitly, so the test does not depend on a partitioner.
   */
  @Test
  void aCompletionKeyedByThePromiseIdOnAnotherPartitionThanTheRunsIsMovedHomeAndAppliedOnce() throws Exception {
    String runId = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "off-home-" + i)
        .filter(r -> partitionOf(promiseIdOf(r), PARTITIONS) != partitionOf(r, PARTITIONS)).findFirst().orElseThrow();
    String promiseId = promiseIdOf(runId);
    int promisePartition = partitionOf(promiseId, PARTITIONS);
    int runPartition = partitionOf(runId, PARTITIONS);
    long reroutedBefore = rerouted();
    WorkflowClient client = engine.client();
    TypedRunHandle<String> run = client.start("review", runId, "contract-9", String.class);

    Task task = nextTaskFor("contract-9");
    assertThat(task.promiseId()).as("the id the workflow handed out").isEqualTo(promiseId);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
      assertThat(producer.partitionsFor(engine.topics().signals())).hasSize(PARTITIONS);
      var written = producer.send(new ProducerRecord<>(engine.topics().signals(), promisePartition, task.promiseId(),
          "{\"promiseId\": \"" + task.promiseId() + "\", \"data\": {\"text\": \"moved home\", \"score\": 7}}")).get();
      assertThat(written.partition()).as("the completion landed off the run's partition %d", runPartition)
          .isEqualTo(promisePartition).isNotEqualTo(runPartition);
    }

    assertThat(run.await(Duration.ofSeconds(60))).isEqualTo("contract-9: moved home (7)");
    assertThat(rerouted()).as("records the engine moved to their run's home partition").isGreaterThan(reroutedBefore);
    String bootstrap = kafka.bootstrapServers();
    assertThat(TopicReader.readAll(bootstrap, engine.topics().results())).filteredOn(r -> runId.equals(r.key()))
        .as("one result for run %s", runId).hasSize(1)
        .allSatisfy(r -> assertThat(r.partition()).isEqualTo(runPartition));
    var reader = io.stepstream.internal.codec.EnvelopeReader.withoutRegistry();
    java.util.List<String> signalEvents = TopicReader.readAll(bootstrap, engine.topics().events()).stream()
        .filter(r -> runId.equals(r.key())).map(r -> reader.auditEvent(r.value()).getType().name())
        .filter(t -> t.startsWith("SIGNAL_")).toList();
    assertThat(signalEvents).as("the completion is applied once, never ignored as a second one").containsExactly("SIGNAL_RECEIVED");
    assertThat(TopicReader.readAll(bootstrap, engine.topics().deadLetters()))
        .filteredOn(r -> runId.equals(r.key()) || promiseId.equals(r.key())).isEmpty();
  }

  /** The partition Kafka's default partitioner picks for a key: murmur2, made positive, modulo the partitions. */
  private static int partitionOf(String key, int partitions) {
    return org.apache.kafka.common.utils.Utils.toPositive(
        org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
  }

  /** The workflow's promise is named "verdict"; its id is a function of run id and name. */
  private static String promiseIdOf(String runId) {
    return io.stepstream.internal.codec.PromiseIds.format(runId, "verdict");
  }

  private static Task nextTaskFor(String document) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Task task = TASKS.poll(1, TimeUnit.SECONDS);
      if (task != null && task.document().equals(document)) {
        return task;
      }
    }
    throw new AssertionError("no task for " + document + " within 60 s");
  }

  /** The engine's count of external records moved home ("rerouted=N" in its metrics summary). */
  private static long rerouted() {
    var m = java.util.regex.Pattern.compile("rerouted=(\\d+)").matcher(engine.metricsSummary());
    assertThat(m.find()).as("rerouted in %s", engine.metricsSummary()).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void aPromiseFailedThroughTheClientReachesTheCallerAsWorkflowFailedExceptionWithTheChosenType() throws Exception {
    WorkflowClient client = engine.client();
    TypedRunHandle<String> run = client.start("review", "review-2", "contract-8", String.class);

    Task task = TASKS.poll(60, TimeUnit.SECONDS);
    assertThat(task).isNotNull();
    client.failPromise(task.promiseId(), "REVIEWER_UNAVAILABLE", "on leave until May");

    assertThatThrownBy(() -> run.await(Duration.ofSeconds(60)))
        .isInstanceOfSatisfying(WorkflowFailedException.class, e -> {
          assertThat(e.errorType()).isEqualTo("REVIEWER_UNAVAILABLE");
          assertThat(e.errorMessage()).isEqualTo("review of contract-8 failed: on leave until May");
        });
  }

  @Test
  void theClientRefusesAMalformedIdBeforeSendingAnything() {
    assertThatThrownBy(() -> engine.client().completePromise("review-1/verdict", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a durable promise id");
  }
}
