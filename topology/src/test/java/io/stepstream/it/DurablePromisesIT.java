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
            .partitions(3) // a completion keyed by the promise id lands off its run's partition and is moved there
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
