package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.RunStatus;
import io.stepstream.fault.TopicDump.Isolation;
import io.stepstream.internal.codec.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote tasks across engine crashes (ADR 0024): two engines run {@link ChaosWorkflow#REMOTE} under
 * load while one of them is SIGKILLed every 4-6 s (a third of the time on a wiped state dir), with a
 * 1 s commit interval and no early commits, so task records and the outcomes' settlements often sit
 * in transactions a kill aborts. A worker in this JVM (a share group, read_committed) answers every
 * task with a fresh UUID and remembers what it sent.
 *
 * <p>Afterwards: every committed task record is the only one of its task id, each run has exactly
 * one (no attempt was dispatched twice however often the run was re-executed), the worker saw no
 * task of an aborted transaction, and every run's result carries exactly the value the worker sent
 * for that task id. The fault suite's {@link Checker} checks the rest (one result, one execution's journal).
 */
@Timeout(300)
class RemoteTaskCrashIT {
  private static final String QUEUE = "crash-q";
  private static final Duration LOAD = Duration.ofSeconds(40);

  @Test
  void eachAttemptIsDispatchedOnceAndEachRunGoesOnWithTheOneOutcomeAcrossRepeatedSigkills() throws Exception {
    var settings = FaultCluster.Settings.defaults().commitMs(1000).option("earlyCommitBelow=0").option("stepDelayMs=30")
        .option("taskQueue=" + QUEUE);
    try (FaultCluster cluster = FaultCluster.start("RemoteTaskCrashIT", settings)) {
      cluster.startInstances("e1", "e2");
      String group = cluster.topics().prefix() + ".workers." + QUEUE;
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
            new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET),
            new AlterConfigOp(new ConfigEntry("share.isolation.level", "read_committed"), AlterConfigOp.OpType.SET)))).all().get();
      }
      Worker worker = new Worker(cluster, group);
      Thread workerThread = new Thread(worker, "crash-test-worker");
      workerThread.start();
      try {
        LoadDriver load = cluster.startLoad("r", 15, ChaosWorkflow.REMOTE);
        int kills = cluster.killOneAtATime(List.of("e1", "e2"), LOAD, 4000, 6000, true);
        Set<String> acked = load.stop();
        cluster.note(acked.size() + " requests acknowledged, " + kills + " kills, " + worker.sent.size() + " tasks answered so far");

        Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(120), false);
        assertThat(kills).isGreaterThanOrEqualTo(3); // engines restart slowly on a busy machine: fewer kills fit in the load
        assertThat(report.counts()).as(report.summary()).isEmpty();

        Map<String, ChaosWorkflow.Chain> completed = new TreeMap<>();
        for (var r : TopicDump.read(cluster.bootstrap(), cluster.topics().results(), Isolation.READ_COMMITTED, Duration.ofSeconds(60))) {
          var result = io.stepstream.internal.codec.Envelopes.result(r.value());
          if (result.getStatus() == RunStatus.COMPLETED) {
            completed.put(result.getRunId(), PayloadCodec.decode(result.getOutput(), ChaosWorkflow.Chain.class));
          }
        }
        assertThat(completed.keySet()).as("every acknowledged run completed").containsAll(acked);

        String taskTopic = cluster.topics().tasks(QUEUE);
        List<ConsumerRecord<String, byte[]>> committed = TopicDump.read(cluster.bootstrap(), taskTopic, Isolation.READ_COMMITTED, Duration.ofSeconds(60));
        List<ConsumerRecord<String, byte[]>> all = TopicDump.read(cluster.bootstrap(), taskTopic, Isolation.READ_UNCOMMITTED, Duration.ofSeconds(60));
        cluster.note(committed.size() + " committed task records, " + (all.size() - committed.size())
            + " more written in aborted transactions (invisible to read_committed)");

        List<String> problems = new ArrayList<>();
        Map<String, String> taskOfRun = new TreeMap<>();
        Map<String, Integer> recordsPerTask = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : committed) {
          JsonNode task = PayloadCodec.json().readTree(r.value());
          recordsPerTask.merge(r.key(), 1, Integer::sum);
          String previous = taskOfRun.put(task.get("runId").asText(), r.key());
          if (previous != null && !previous.equals(r.key())) {
            problems.add("run " + task.get("runId").asText() + " has two task ids: " + previous + " and " + r.key());
          }
        }
        recordsPerTask.forEach((id, n) -> {
          if (n != 1) {
            problems.add("task " + id + " has " + n + " committed task records");
          }
        });
        for (var run : completed.entrySet()) {
          String taskId = taskOfRun.get(run.getKey());
          List<String> values = taskId == null ? List.of() : worker.sent.getOrDefault(taskId, List.of());
          if (taskId == null) {
            problems.add("run " + run.getKey() + " completed without a committed task record");
          } else if (values.size() != 1) {
            problems.add("task " + taskId + " of run " + run.getKey() + " was answered " + values.size() + " times: " + values);
          } else if (!values.get(0).equals(run.getValue().a())) {
            problems.add("run " + run.getKey() + " went on with a=" + run.getValue().a() + " but the worker answered " + values.get(0));
          }
        }
        assertThat(worker.errors).as("the worker ran throughout").isEmpty();
        assertThat(recordsPerTask.keySet()).as("the worker got no task record of an aborted transaction").containsAll(worker.sent.keySet());
        cluster.note("remote task check: " + (problems.isEmpty() ? "ok" : problems.size() + " problems, first "
            + problems.subList(0, Math.min(5, problems.size()))));
        assertThat(problems).isEmpty();
        assertThat(all.size()).as("the precondition that makes this test mean something: kills aborted transactions holding task records")
            .isGreaterThan(committed.size());
      } finally {
        worker.stop = true;
        workerThread.join(30_000);
      }
    }
  }

  /** A share-group worker: each task gets a fresh UUID, produced (acked) before the task is accepted. */
  private static final class Worker implements Runnable {
    final Map<String, List<String>> sent = new ConcurrentHashMap<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    private final FaultCluster cluster;
    private final String group;
    volatile boolean stop;

    Worker(FaultCluster cluster, String group) {
      this.cluster = cluster;
      this.group = group;
    }

    @Override
    public void run() {
      Map<String, Object> consumer = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
          ConsumerConfig.GROUP_ID_CONFIG, group, "share.acknowledgement.mode", "explicit");
      Map<String, Object> producer = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(), ProducerConfig.ACKS_CONFIG, "all");
      try (var tasks = new KafkaShareConsumer<>(consumer, new StringDeserializer(), new ByteArrayDeserializer());
          var outcomes = new KafkaProducer<>(producer, new StringSerializer(), new ByteArraySerializer())) {
        tasks.subscribe(List.of(cluster.topics().tasks(QUEUE)));
        while (!stop) {
          for (ConsumerRecord<String, byte[]> r : tasks.poll(Duration.ofMillis(200))) {
            String value = UUID.randomUUID().toString();
            String answer = "{\"promiseId\":\"" + r.key() + "\",\"data\":\"" + value + "\"}";
            outcomes.send(new ProducerRecord<>(cluster.topics().signals(), r.key(), answer.getBytes(StandardCharsets.UTF_8))).get();
            sent.computeIfAbsent(r.key(), k -> new CopyOnWriteArrayList<>()).add(value);
            tasks.acknowledge(r, AcknowledgeType.ACCEPT);
          }
          tasks.commitSync();
        }
      } catch (Exception e) {
        errors.add("the worker stopped: " + e);
      }
    }
  }
}
