package io.stepstream.examples.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.RemoteTaskWorkflows;
import io.stepstream.examples.RemoteTaskWorkflows.Doc;
import io.stepstream.examples.RemoteTaskWorkflows.Result;
import io.stepstream.examples.RemoteTaskWorkflows.Summary;
import io.stepstream.examples.RemoteTaskWorkflows.WordCount;
import io.stepstream.examples.clients.ClientExamplesIT.Prerequisites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 16: workflow steps executed in Python and Node.js. {@link RemoteTaskWorkflows}' {@code
 * summarize} step is a remote task on the queue {@code text-tasks}; {@code
 * examples/python/task_worker.py} and {@code examples/node/task-worker.js} (on {@code
 * stepstream_worker.py} / {@code stepstream-worker.js}) execute it as child processes, in the one
 * consumer group {@code <prefix>.workers.text-tasks} (one worker process at a time: librdkafka and
 * kafkajs cannot share a group). The engine runs in this JVM, in its default wire format (task records
 * and the workers' outcomes are JSON whatever it is), on a real broker.
 *
 * <p>What is checked: runs return the worker's values; a non-retryable error fails the step after one
 * attempt; a retryable one is retried with a new task and then succeeds; heartbeats keep a task longer
 * than its heartbeat timeout alive; cancelling the run stops its running task (a cancel notice); a Python worker killed with
 * SIGKILL mid-task is replaced by another in the same group, every run completes once with the value
 * of one execution (the first outcome of its task id on the signals topic), and the killed task is
 * executed again. Needs what {@link ClientExamplesIT} needs (python3-confluent-kafka, Node.js, {@code
 * npm ci} in examples/node). About 70 s on 2 cores, broker and engine start included (measured with a load average of 7-9).
 */
@Timeout(300)
class TaskWorkerExamplesIT {
  private static final String PREFIX = "tasks-it";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RESULT_WAIT = Duration.ofSeconds(120);
  private static final String TEXT = "Kafka keeps the log; the log keeps Kafka honest, and the log is the truth.";

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;
  static WorkflowClient client;

  enum Language {
    PYTHON, NODE
  }

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(3)
        .approvalSecret("task-workers-it-secret")
        .register(new RemoteTaskWorkflows())
        .taskQueues(RemoteTaskWorkflows.QUEUE)
        .build()
        .start();
    client = engine.client();
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

  @ParameterizedTest(name = "{0}")
  @EnumSource(Language.class)
  void runsReturnTheValuesTheWorkerComputed(Language language) throws Exception {
    List<String> runs = List.of(id(language, "sum-1"), id(language, "sum-2"), id(language, "sum-3"));
    for (String run : runs) {
      client.start(RemoteTaskWorkflows.TYPE, run, new Doc(run, TEXT, 2, null, null));
    }
    Path log = dir.resolve(id(language, "values.jsonl"));
    try (Worker worker = Worker.start(language, log, "--concurrency", "2")) {
      for (String run : runs) {
        RunResult result = client.awaitResult(run, RESULT_WAIT);
        assertThat(result.status()).as("%s\n%s", result, worker).isEqualTo(RunStatus.COMPLETED);
        Result output = result.output(Result.class);
        Summary summary = output.summary();
        assertThat(output.docId()).isEqualTo(run);
        assertThat(summary.words()).isEqualTo(15);
        assertThat(summary.top()).containsExactly(new WordCount("the", 4), new WordCount("log", 3));
        assertThat(summary.worker()).isEqualTo(language.name().toLowerCase());
        assertThat(summary.pid()).isEqualTo(worker.pid());
        assertThat(summary.taskId()).startsWith("prm_");
        assertThat(summary.attempt()).isEqualTo(1);
        assertThat(finishes(log, run)).as("one execution of %s's task: %s", run, worker).hasSize(1)
            .allSatisfy(f -> assertThat(f.path("taskId").asText()).isEqualTo(summary.taskId()));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Language.class)
  void aNonRetryableErrorFailsTheStepAfterOneAttempt(Language language) throws Exception {
    String run = id(language, "empty");
    client.start(RemoteTaskWorkflows.TYPE, run, new Doc(run, "   ", null, null, null));
    Path log = dir.resolve(id(language, "non-retryable.jsonl"));
    try (Worker worker = Worker.start(language, log)) {
      RunResult result = client.awaitResult(run, RESULT_WAIT);

      assertThat(result.status()).as("%s\n%s", result, worker).isEqualTo(RunStatus.FAILED);
      assertThat(result.errorType()).as("%s", result).isEqualTo("EMPTY_TEXT");
      assertThat(result.errorMessage()).contains("nothing to summarize");
      assertThat(result.failedStep()).contains("summarize");
      List<JsonNode> finishes = finishes(log, run);
      assertThat(finishes).as("one attempt only: %s", worker).hasSize(1);
      assertThat(finishes.get(0).path("attempt").asInt()).isEqualTo(1);
      assertThat(finishes.get(0).path("status").asText()).isEqualTo("failed");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Language.class)
  void aRetryableErrorIsRetriedWithANewTaskAndThenSucceeds(Language language) throws Exception {
    String run = id(language, "flaky");
    client.start(RemoteTaskWorkflows.TYPE, run, new Doc(run, TEXT, 1, 1, null));
    Path log = dir.resolve(id(language, "retryable.jsonl"));
    try (Worker worker = Worker.start(language, log)) {
      RunResult result = client.awaitResult(run, RESULT_WAIT);

      assertThat(result.status()).as("%s\n%s", result, worker).isEqualTo(RunStatus.COMPLETED);
      Summary summary = result.output(Result.class).summary();
      assertThat(summary.attempt()).isEqualTo(2);
      List<JsonNode> finishes = finishes(log, run);
      assertThat(finishes).as("attempt 1 failed, attempt 2 completed: %s", worker)
          .extracting(f -> f.path("attempt").asInt() + " " + f.path("status").asText())
          .containsExactly("1 failed", "2 completed");
      String firstTask = finishes.get(0).path("taskId").asText();
      assertThat(summary.taskId()).as("a new attempt is a new task").isEqualTo(finishes.get(1).path("taskId").asText()).isNotEqualTo(firstTask);
      JsonNode failure = firstOutcome(Set.of(firstTask)).get(firstTask);
      assertThat(failure.path("error").path("type").asText()).isEqualTo("ConnectionError");
      assertThat(failure.path("error").path("nonRetryable").asBoolean()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Language.class)
  void heartbeatsKeepATaskLongerThanItsHeartbeatTimeoutAlive(Language language) throws Exception {
    String run = id(language, "heartbeats");
    // a 3 s heartbeat timeout and a task of 7 s: without heartbeats (every 1 s) the attempt would time out
    client.start(RemoteTaskWorkflows.TYPE, run, new Doc(run, TEXT, 1, null, 3));
    Path log = dir.resolve(id(language, "heartbeats.jsonl"));
    try (Worker worker = Worker.start(language, log, "--slow-ms", "7000")) {
      RunResult result = client.awaitResult(run, RESULT_WAIT);

      assertThat(result.status()).as("%s\n%s", result, worker).isEqualTo(RunStatus.COMPLETED);
      Summary summary = result.output(Result.class).summary();
      assertThat(summary.attempt()).as("the first attempt did not time out").isEqualTo(1);
      assertThat(heartbeats(summary.taskId())).as("heartbeats of %s on the signals topic", summary.taskId()).isGreaterThanOrEqualTo(2);
      assertThat(finishes(log, run)).extracting(f -> f.path("status").asText()).containsExactly("completed");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Language.class)
  void cancellingTheRunStopsItsRunningTaskThroughACancelNotice(Language language) throws Exception {
    String run = id(language, "cancelled");
    client.start(RemoteTaskWorkflows.TYPE, run, new Doc(run, TEXT, 1, null, null));
    Path log = dir.resolve(id(language, "cancel.jsonl"));
    // a task of 90 s, unless it is cancelled: its handler checks ctx.cancelled every 50 ms
    try (Worker worker = Worker.start(language, log, "--slow-ms", "90000", "--concurrency", "4")) {
      JsonNode started = eventually(() -> events(log).stream()
          .filter(e -> e.path("event").asText().equals("start") && e.path("runId").asText().equals(run)).findFirst().orElse(null),
          "the task of " + run + " started (" + worker + ")");
      client.cancel(run, "the test cancels it", Duration.ofSeconds(60));
      assertThat(client.awaitResult(run, RESULT_WAIT).status()).isEqualTo(RunStatus.CANCELLED);

      JsonNode finished = eventually(() -> finishes(log, run).stream().findFirst().orElse(null), "the task of " + run + " finished (" + worker + ")");
      assertThat(finished.path("taskId").asText()).isEqualTo(started.path("taskId").asText());
      assertThat(finished.path("status").asText()).as("stopped by the cancel notice, not run to its end: %s", worker).isEqualTo("cancelled");
      assertThat(finished.path("published").asBoolean()).as("nothing published for a cancelled task").isFalse();
    }
  }

  @Test
  void aPythonWorkerKilledMidTaskIsReplacedAndEveryRunCompletesOnceWithTheValueOfOneExecution() throws Exception {
    List<String> runs = List.of("kill-1", "kill-2", "kill-3", "kill-4");
    for (String run : runs) {
      client.start(RemoteTaskWorkflows.TYPE, run, new Doc(run, TEXT + " " + run, 3, null, null));
    }
    Path log = dir.resolve("kill.jsonl");
    // a short session timeout: the killed worker's partitions move soon after it dies
    String[] options = {"--slow-ms", "3000", "--concurrency", "2", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"};
    Worker first = Worker.start(Language.PYTHON, log, options);
    JsonNode killedStart;
    try {
      killedStart = eventually(() -> events(log).stream()
          .filter(e -> e.path("event").asText().equals("start") && e.path("pid").asLong() == first.pid()
              && runs.contains(e.path("runId").asText()))
          .filter(s -> events(log).stream().noneMatch(f -> f.path("event").asText().equals("finish")
              && f.path("taskId").asText().equals(s.path("taskId").asText())))
          .findFirst().orElse(null), "a task started and not finished by the first worker (" + first + ")");
    } finally {
      first.kill(); // SIGKILL: no outcome, no commit, no leaving the group
    }
    String killedTask = killedStart.path("taskId").asText();

    try (Worker second = Worker.start(Language.PYTHON, log, options)) {
      Map<String, Summary> summaries = new HashMap<>();
      for (String run : runs) {
        RunResult result = client.awaitResult(run, RESULT_WAIT);
        assertThat(result.status()).as("%s\n%s", result, second).isEqualTo(RunStatus.COMPLETED);
        summaries.put(run, result.output(Result.class).summary());
      }

      assertThat(events(log)).as("the killed task was executed again, by the second worker")
          .anySatisfy(e -> {
            assertThat(e.path("event").asText()).isEqualTo("start");
            assertThat(e.path("taskId").asText()).isEqualTo(killedTask);
            assertThat(e.path("pid").asLong()).isEqualTo(second.pid());
          });
      Map<String, JsonNode> firstOutcomes = firstOutcome(summaries.values().stream().map(Summary::taskId).collect(Collectors.toSet()));
      for (String run : runs) {
        Summary summary = summaries.get(run);
        assertThat(summary.attempt()).as("%s: the killed worker's task is redelivered, not timed out and retried", run).isEqualTo(1);
        JsonNode outcome = firstOutcomes.get(summary.taskId());
        assertThat(outcome).as("%s: an outcome on the signals topic for %s", run, summary.taskId()).isNotNull();
        assertThat(JSON.treeToValue(outcome.path("data"), Summary.class)).as("%s: the value of the first outcome of its task", run).isEqualTo(summary);
        assertThat(finishes(log, run)).as("%s: the execution whose value the run returns finished", run)
            .anySatisfy(f -> {
              assertThat(f.path("pid").asLong()).isEqualTo(summary.pid());
              assertThat(f.path("taskId").asText()).isEqualTo(summary.taskId());
              assertThat(f.path("status").asText()).isEqualTo("completed");
            });
      }
      assertThat(summaries.values().stream().filter(s -> s.taskId().equals(killedTask)))
          .as("the killed execution published nothing, so the run of the killed task has the second worker's value")
          .singleElement().satisfies(s -> assertThat(s.pid()).isEqualTo(second.pid()));
      assertThat(resultRecordsPerRun(Set.copyOf(runs))).as("one result record per run")
          .isEqualTo(runs.stream().collect(Collectors.toMap(r -> r, r -> 1)));
      System.out.println("killed " + first.pid() + " mid-task " + killedTask + "; executions: " + events(log));
    }
  }

  // -- the worker processes and their logs ---------------------------------------------------------

  /** A worker process: started with --log, stopped with SIGTERM (or killed). */
  record Worker(Process process, List<String> command, Path stderr) implements AutoCloseable {
    static Worker start(Language language, Path log, String... options) throws IOException {
      List<String> command = new ArrayList<>(switch (language) {
        case PYTHON -> List.of(Prerequisites.python(), ClientExamplesIT.examples().resolve("python/task_worker.py").toString());
        case NODE -> List.of(Prerequisites.node(), ClientExamplesIT.examples().resolve("node/task-worker.js").toString());
      });
      command.addAll(List.of("-b", kafka.bootstrapServers(), "--prefix", PREFIX, "--log", log.toString()));
      for (int i = 0; i < options.length; i++) {
        if (language == Language.NODE && options[i].equals("-X")) {
          // kafkajs has no librdkafka settings; the one the test uses has its own flag
          String[] kv = options[++i].split("=", 2);
          if (kv[0].equals("session.timeout.ms")) {
            command.addAll(List.of("--session-timeout-ms", kv[1]));
          }
        } else {
          command.add(options[i]);
        }
      }
      Path err = Files.createTempFile(dir, "worker", ".stderr");
      Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
      return new Worker(p, command, err);
    }

    long pid() {
      return process.pid();
    }

    /** SIGKILL (Process.destroyForcibly on Unix). */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the worker stops fetching, finishes or gives up its tasks, commits and leaves the group. */
    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("the worker did not stop within 60 s of SIGTERM: " + this);
      }
    }

    @Override
    public String toString() {
      String err;
      try {
        err = Files.readString(stderr);
      } catch (IOException e) {
        err = e.toString();
      }
      return String.join(" ", command) + " (pid " + process.pid() + ")\n  stderr:\n" + err;
    }
  }

  /** The worker log's lines (one JSON object per execution start/finish/skip). */
  private static List<JsonNode> events(Path log) {
    try {
      if (!Files.exists(log)) {
        return List.of();
      }
      return Files.readAllLines(log).stream().filter(l -> !l.isBlank()).map(TaskWorkerExamplesIT::json).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<JsonNode> finishes(Path log, String run) {
    return events(log).stream().filter(e -> e.path("event").asText().equals("finish") && e.path("runId").asText().equals(run)).toList();
  }

  // -- what is on the topics -----------------------------------------------------------------------

  /**
   * The first outcome (data or error, not a heartbeat) of each task id on the signals topic, read from its
   * beginning to its end now: the one the engine goes on with (the first outcome of a task id wins).
   */
  private static Map<String, JsonNode> firstOutcome(Set<String> taskIds) {
    Map<String, JsonNode> first = new HashMap<>();
    readAll(engine.client().topics().signals(), (key, value) -> {
      if (taskIds.contains(key) && !first.containsKey(key)) {
        JsonNode signal = json(new String(value, java.nio.charset.StandardCharsets.UTF_8));
        if (signal.has("data") || signal.has("error")) {
          first.put(key, signal);
        }
      }
    });
    return first;
  }

  /** How many heartbeats of a task the signals topic holds. */
  private static int heartbeats(String taskId) {
    int[] count = {0};
    readAll(engine.client().topics().signals(), (key, value) -> {
      if (taskId.equals(key) && json(new String(value, java.nio.charset.StandardCharsets.UTF_8)).path("heartbeat").asBoolean()) {
        count[0]++;
      }
    });
    return count[0];
  }

  /** How many records the results topic holds per run (of the given runs). */
  private static Map<String, Integer> resultRecordsPerRun(Set<String> runs) {
    Map<String, Integer> counts = new HashMap<>();
    readAll(engine.client().topics().results(), (key, value) -> {
      if (runs.contains(key)) {
        counts.merge(key, 1, Integer::sum);
      }
    });
    return counts;
  }

  /** Every committed record of a topic, from its beginning to its end now, in partition order. */
  private static void readAll(String topic, java.util.function.BiConsumer<String, byte[]> each) {
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(System.nanoTime()).as("%s read to its end %s within 30 s", topic, end).isLessThan(deadline);
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          each.accept(r.key(), r.value());
        }
      }
    }
  }

  // -- helpers -------------------------------------------------------------------------------------

  private static String id(Language language, String what) {
    return language.name().toLowerCase() + "-" + what;
  }

  /** Polls until the supplier returns non-null, at most 60 s. */
  private static <T> T eventually(java.util.function.Supplier<T> value, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      T v = value.get();
      if (v != null) {
        return v;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not within 60 s: " + what);
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }
}
