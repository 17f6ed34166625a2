package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import io.stepstream.internal.orchestrator.RunInputs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a real broker (ADR 0015): with no window configured the engine takes the results
 * topic's retention.ms, and an expired run's keys get tombstones (null values) in the runs and
 * journal changelog topics, read as any consumer would (compaction may not have run yet, so the
 * earlier values are still there too). A run that waits is left alone.
 */
@Timeout(180)
class RetentionIT {
  @TempDir Path dir;

  @Test
  void anExpiredRunsKeysGetTombstonesInTheChangelogsAndAWaitingRunKeepsItsState() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      // the results topic keeps records 4 s: so does the engine keep finished runs (the default window)
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("ret.results", 2, (short) 1).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "4000"))))
            .all().get(30, TimeUnit.SECONDS);
      }
      String large = "x".repeat(100_000);
      try (Stepstream engine = Stepstream.builder()
          .bootstrapServers(kafka.bootstrapServers())
          .topicPrefix("ret")
          .stateDir(dir.resolve("state"))
          .partitions(2)
          .approvalSecret("retention-it-secret-0123")
          .register("echo", String.class, (ctx, in) -> ctx.step("shout", String.class, s -> "length " + in.length()))
          .register("waiter", String.class, (ctx, in) -> ctx.awaitEvent("go", String.class))
          .build()
          .start()) {
        WorkflowClient client = engine.client();
        client.start("waiter", "ret-wait", "w");
        RunResult done = client.start("echo", "ret-1", large).await(Duration.ofSeconds(60));
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
            .until(() -> engine.metricsSummary().contains("runsExpired=1"));

        String app = "ret-engine";
        // the metric counts the removal when it is processed; its tombstones are readable once that transaction commits
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
            .until(() -> latest(kafka, app + "-" + OrchestratorTopology.RUNS_STORE + "-changelog").get("ret-1").isEmpty());
        Map<String, Optional<byte[]>> runs = latest(kafka, app + "-" + OrchestratorTopology.RUNS_STORE + "-changelog");
        Map<String, Optional<byte[]>> journal = latest(kafka, app + "-" + OrchestratorTopology.JOURNAL_STORE + "-changelog");
        assertThat(runs.get("ret-1")).as("the run header's last record is a tombstone").isEmpty();
        assertThat(journal.get("ret-1\u0000" + RunInputs.ENTRY)).as("the input entry's last record is a tombstone").isEmpty();
        assertThat(journal.get("ret-1\u0000shout")).as("the step's last record is a tombstone").isEmpty();
        assertThat(journal.keySet().stream().filter(k -> k.startsWith("ret-1\u0000")))
            .allSatisfy(k -> assertThat(journal.get(k)).as(k).isEmpty());
        assertThat(runs.get("ret-wait")).as("the waiting run is kept").isPresent();
        assertThat(journal.get("ret-wait\u0000" + RunInputs.ENTRY)).isPresent();

        // the header records written for the run (one per transition) carry no copy of its 100 KB input
        assertThat(readAll(kafka, app + "-" + OrchestratorTopology.RUNS_STORE + "-changelog").stream()
            .filter(r -> r.key().equals("ret-1") && r.value() != null))
            .isNotEmpty()
            .allSatisfy(r -> assertThat(r.value().length).isLessThan(2_000));
      }
    }
  }

  /** The last value of each key (empty: a tombstone), as a reader of the whole topic sees it. */
  private static Map<String, Optional<byte[]>> latest(EmbeddedKafka kafka, String topic) {
    Map<String, Optional<byte[]>> last = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : readAll(kafka, topic)) {
      last.put(r.key(), Optional.ofNullable(r.value()));
    }
    return last;
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(EmbeddedKafka kafka, String topic) {
    return TopicReader.readAll(kafka.bootstrapServers(), topic);
  }
}
