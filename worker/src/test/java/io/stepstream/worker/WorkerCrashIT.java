package io.stepstream.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.TaskOptions;
import io.stepstream.client.HistoryEntry;
import io.stepstream.client.RunHistory;
import io.stepstream.client.WorkflowClient;
import io.stepstream.engine.Stepstream;

/**
 * Two worker processes share a queue; one is killed with SIGKILL while it holds tasks. Every run completes with
 * exactly one of the outcomes published for its task (the first), settles its task once, and the tasks the killed
 * worker held are executed again by the survivor once the broker's acquisition lock expires.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class WorkerCrashIT {

  private static final String PREFIX = "crash";
  private static final String QUEUE = "slow";
  private static final int RUNS = 12;
  private static final long TASK_MS = 4_000;
  private static final Duration WAIT = Duration.ofMinutes(4);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void every_run_completes_once_with_a_published_outcome_and_the_survivor_reruns_the_killed_workers_tasks() throws Exception {
    // dev mode: the engine's own embedded broker, and its query API open to any caller (for the histories)
    try (Stepstream engine = Stepstream.builder().devMode().topicPrefix(PREFIX).stateDir(dir.resolve("engine"))
        .httpServer("127.0.0.1", 0).partitions(3).taskQueues(QUEUE)
        .register("slow", Integer.class, (ctx, i) -> ctx.task("work", QUEUE, i, String.class,
            TaskOptions.defaults().withTimeout(Duration.ofMinutes(3)).withRetry(RetryPolicy.noRetries())))
        .build().start()) {
      String bootstrap = engine.bootstrapServers();
      String group = PREFIX + ".workers." + QUEUE;
      // the shortest lock the broker allows by default (15 s; default 30 s): the redelivery comes sooner
      setGroupConfig(bootstrap, group, "share.record.lock.duration.ms", "15000");

      List<String> args = List.of(bootstrap, PREFIX, QUEUE, "4", Long.toString(TASK_MS));
      try (ChildWorker victim = ChildWorker.start("victim", dir, SlowWorkerMain.class, args);
         ChildWorker survivor = ChildWorker.start("survivor", dir, SlowWorkerMain.class, args)) {
        victim.awaitLine("WORKER_READY", Duration.ofSeconds(60));
        survivor.awaitLine("WORKER_READY", Duration.ofSeconds(60));
        for (int i = 0; i < RUNS; i++) {
          engine.client().start("slow", "crash-" + i, i);
        }
        // kill it while it holds tasks: it started some and finished none of those yet
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> !victim.unfinished().isEmpty());
        victim.killHard();
        Set<String> held = victim.unfinished();
        assertThat(held).as("tasks the victim held when it was killed").isNotEmpty();
        System.out.printf("WorkerCrashIT: killed the victim (pid %d) holding %d tasks: %s%n", victim.pid(), held.size(), held);

        Map<String, RunResult> results = new LinkedHashMap<>();
        for (int i = 0; i < RUNS; i++) {
          results.put("crash-" + i, engine.client().awaitResult("crash-" + i, WAIT));
        }
        Map<String, List<String>> outcomes = publishedOutcomes(bootstrap);
        try (WorkflowClient queries = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix(PREFIX)
            .engineUrl("http://127.0.0.1:" + engine.httpAddress().getPort()).engineUser("crash-it").build()) {
          for (Map.Entry<String, RunResult> e : results.entrySet()) {
            String runId = e.getKey();
            RunResult result = e.getValue();
            assertThat(result.isCompleted()).as(runId).isTrue();
            String value = result.output(String.class);
            String taskId = value.substring(0, value.indexOf('|'));
            assertThat(outcomes.get(taskId)).as("outcomes published for %s (%s)", taskId, runId).isNotEmpty();
            assertThat(value).as("%s goes on with the first outcome of its task", runId).isEqualTo(outcomes.get(taskId).get(0));
            RunHistory history = queries.history(runId).orElseThrow();
            // the task's settlement is journaled as the promise "$task:work#<attempt>": one, with that value
            List<HistoryEntry> settled = history.entries().stream().filter(h -> h.name().startsWith("$promise:$task:work#")).toList();
            assertThat(settled).as("%s's settlements of the task: %s", runId, history.entries()).hasSize(1);
            assertThat(settled.get(0).succeeded()).isTrue();
            String data = JSON.readTree(settled.get(0).value().json()).path("payload").path("data").asText();
            assertThat(JSON.readTree(data).asText()).as(runId).isEqualTo(value);
          }
        }
        System.out.printf("WorkerCrashIT: victim started %d, survivor started %d, outcomes published %d for %d tasks%n",
            victim.started().size(), survivor.started().size(), outcomes.values().stream().mapToInt(List::size).sum(), outcomes.size());
        assertThat(survivor.started()).as("the survivor ran every task the victim held").containsAll(held);
        Set<String> allTasks = new TreeSet<>(victim.started());
        allTasks.addAll(survivor.started());
        assertThat(allTasks).as("one task per run (no retries were needed)").hasSize(RUNS);
      }
    }
  }

  private static void setGroupConfig(String bootstrap, String group, String key, String value) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group),
          List.of(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
    }
  }

  /** Outcomes the workers published (heartbeats aside), per task id, in the order the engine reads them. */
  private static Map<String, List<String>> publishedOutcomes(String bootstrap) throws IOException {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, List<String>> out = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(PREFIX + ".signals").stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          JsonNode v = JSON.readTree(r.value());
          // workers key outcomes by task id; the engine also writes copies keyed by run id (its routing)
          if (v.has("data") && r.key().equals(v.path("promiseId").asText())) {
            out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(v.get("data").asText());
          }
        }
      }
    }
    return out;
  }

  /** A {@link SlowWorkerMain} in a child JVM (this JVM's java and classpath), its stdout in {@code dir/name.log}. */
  static final class ChildWorker implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private ChildWorker(String name, Process process, Path log) {
      this.name = name;
      this.process = process;
      this.log = log;
    }

    static ChildWorker start(String name, Path dir, Class<?> main, List<String> args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
          "-cp", System.getProperty("java.class.path"), main.getName()));
      cmd.addAll(args);
      Path log = dir.resolve(name + ".log");
      return new ChildWorker(name, new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
    }

    void awaitLine(String marker, Duration timeout) {
      await().atMost(timeout).until(() -> {
        if (!process.isAlive()) {
          throw new IllegalStateException(name + " exited: " + Files.readString(log));
        }
        return lines().stream().anyMatch(l -> l.startsWith(marker));
      });
    }

    List<String> lines() throws IOException {
      return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    Set<String> started() throws IOException {
      return idsOf("STARTED ");
    }

    /** Started, not yet DONE. */
    Set<String> unfinished() throws IOException {
      Set<String> ids = started();
      ids.removeAll(idsOf("DONE "));
      return ids;
    }

    private Set<String> idsOf(String prefix) throws IOException {
      Set<String> ids = new TreeSet<>();
      for (String line : lines()) {
        if (line.startsWith(prefix)) {
          ids.add(line.split(" ")[1]);
        }
      }
      return ids;
    }

    long pid() {
      return process.pid();
    }

    void killHard() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL
      process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          killHard();
        }
      }
    }
  }
}
