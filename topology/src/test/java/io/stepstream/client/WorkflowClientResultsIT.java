package io.stepstream.client;

import io.stepstream.RunResult;
import io.stepstream.WorkflowTimeoutException;
import io.stepstream.client.RunHandle;
import io.stepstream.client.Topics;
import io.stepstream.client.WorkflowClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.devkafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@link WorkflowClient} gets results, against a real broker with no engine: the test writes
 * what the engine would (results, audit events), so each case is exact and fast. Each test uses its
 * own topic prefix.
 */
@Timeout(120)
class WorkflowClientResultsIT {
  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static KafkaProducer<String, byte[]> engine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5),
        new StringSerializer(), new ByteArraySerializer());
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
  void aHandleGetsItsResultAfterMoreThanTenThousandOtherResults() throws Exception {
    Topics topics = createTopics("many");
    try (WorkflowClient client = client(topics)) {
      RunHandle handle = client.startAsync("w", "target", "in");
      client.flush();

      writeResult(topics, "target", "mine");
      for (int i = 0; i < 10_050; i++) {
        writeResult(topics, "other-" + i, "x");
      }
      engine.flush();
      await().atMost(60, TimeUnit.SECONDS).until(() -> handle.result().isDone());

      assertThat(handle.await(Duration.ofSeconds(30)).output(String.class)).isEqualTo("mine");
    }
  }

  @Test
  void awaitResultFindsAResultThatPassedBeforeAnyoneWaited() throws Exception {
    Topics topics = createTopics("passed");
    try (WorkflowClient client = client(topics)) {
      List<RunResult> seen = new CopyOnWriteArrayList<>();
      client.subscribe(seen::add);
      writeResult(topics, "early", "answer");
      for (int i = 0; i < 10_050; i++) {
        writeResult(topics, "later-" + i, "x");
      }
      engine.flush();
      await().atMost(60, TimeUnit.SECONDS).until(() -> seen.size() == 10_051); // all went past, none awaited

      assertThat(client.awaitResult("early", Duration.ofSeconds(30)).output(String.class)).isEqualTo("answer");
    }
  }

  @Test
  void awaitResultFindsAResultCommittedBeforeTheClientExisted() throws Exception {
    Topics topics = createTopics("older");
    writeResult(topics, "old-1", "from before");
    engine.flush();

    try (WorkflowClient client = client(topics)) {
      assertThat(client.awaitResult("old-1", Duration.ofSeconds(30)).output(String.class)).isEqualTo("from before");
    }
  }

  @Test
  void startingARunIdTheEngineReportsAsADuplicateAnswersWithTheExistingResult() throws Exception {
    Topics topics = createTopics("dup");
    writeResult(topics, "order-42", "the first run's receipt");
    engine.flush();

    try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(topics.prefix())
        .duplicateCheckAfter(Duration.ofMillis(200)).build()) {
      RunHandle again = client.start("order", "order-42", "second input");
      writeEvent(topics, "order-42", AuditEventType.DUPLICATE_REQUEST); // what the engine answers
      engine.flush();

      RunResult result = again.await(Duration.ofSeconds(30));
      assertThat(result.output(String.class)).isEqualTo("the first run's receipt");
      assertThat(client.pendingResults()).isZero();
    }
  }

  @Test
  void aDuplicateOfARunThatStartedMomentsBeforeIsStillAnsweredWithItsResult() throws Exception {
    Topics topics = createTopics("again");
    writeEvent(topics, "again-1", AuditEventType.RUN_STARTED); // the first run: started and finished just now
    writeResult(topics, "again-1", "first");
    engine.flush();

    try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(topics.prefix())
        .duplicateCheckAfter(Duration.ofMillis(200)).build()) {
      RunHandle again = client.start("w", "again-1", "second input");
      writeEvent(topics, "again-1", AuditEventType.DUPLICATE_REQUEST); // after the first run's RUN_STARTED in the partition
      engine.flush();

      assertThat(again.await(Duration.ofSeconds(30)).output(String.class)).isEqualTo("first");
    }
  }

  @Test
  void aThrowingListenerDoesNotStopTheResultsThread() throws Exception {
    Topics topics = createTopics("listener");
    try (WorkflowClient client = client(topics)) {
      List<String> heard = new CopyOnWriteArrayList<>();
      client.subscribe(r -> {
        throw new IllegalStateException("listener bug on " + r.runId());
      });
      client.subscribe(r -> heard.add(r.runId()));
      RunHandle second = client.startAsync("w", "second", "in");
      client.flush();

      writeResult(topics, "first", "1");
      engine.flush();
      await().atMost(30, TimeUnit.SECONDS).until(() -> heard.contains("first"));
      writeResult(topics, "second", "2");
      engine.flush();

      assertThat(second.await(Duration.ofSeconds(30)).output(String.class)).isEqualTo("2");
      await().atMost(30, TimeUnit.SECONDS).until(() -> heard.size() == 2); // listeners run after waiters are completed
      assertThat(heard).containsExactly("first", "second");
    }
  }

  @Test
  void timedOutAwaitsLeaveNothingRegistered() throws Exception {
    Topics topics = createTopics("timeouts");
    try (WorkflowClient client = client(topics)) {
      for (int i = 0; i < 20; i++) {
        String runId = "never-" + i;
        assertThatThrownBy(() -> client.awaitResult(runId, Duration.ofMillis(100))).isInstanceOf(WorkflowTimeoutException.class);
      }

      assertThat(client.pendingResults()).isZero();
    }
  }

  @Test
  void aHandleKeepsItsRunRegisteredAcrossATimedOutAwaitUntilTheResultArrives() throws Exception {
    Topics topics = createTopics("handle");
    try (WorkflowClient client = client(topics)) {
      RunHandle handle = client.start("w", "slow-1", "in");
      assertThatThrownBy(() -> handle.await(Duration.ofMillis(100))).isInstanceOf(WorkflowTimeoutException.class);
      assertThat(client.pendingResults()).isEqualTo(1);

      writeResult(topics, "slow-1", "done");
      engine.flush();

      assertThat(handle.await(Duration.ofSeconds(30)).output(String.class)).isEqualTo("done");
      assertThat(client.pendingResults()).isZero();
    }
  }

  private WorkflowClient client(Topics topics) {
    return WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(topics.prefix()).build();
  }

  private static Topics createTopics(String prefix) throws Exception {
    Topics topics = Topics.withPrefix(prefix);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(
              new NewTopic(topics.requests(), 3, (short) 1),
              new NewTopic(topics.results(), 3, (short) 1),
              new NewTopic(topics.events(), 3, (short) 1)))
          .all().get(30, TimeUnit.SECONDS);
    }
    await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
      engine.partitionsFor(topics.results());
      engine.partitionsFor(topics.events());
      return true;
    });
    return topics;
  }

  private static void writeResult(Topics topics, String runId, String output) {
    WorkflowResult result = WorkflowResult.newBuilder()
        .setRunId(runId).setWorkflowType("w").setStatus(RunStatus.COMPLETED).setOutput(PayloadCodec.encode(output))
        .setStartedAt(1L).setFinishedAt(2L).build();
    engine.send(new ProducerRecord<>(topics.results(), runId, Envelopes.encode(result)));
  }

  private static void writeEvent(Topics topics, String runId, AuditEventType type) {
    AuditEvent event = AuditEvent.newBuilder().setRunId(runId).setType(type).setTimestamp(System.currentTimeMillis()).build();
    engine.send(new ProducerRecord<>(topics.events(), runId, Envelopes.encode(event)));
  }
}
