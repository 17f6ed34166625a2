package io.stepstream.examples.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.client.WireFormat;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.ReviewWorkflows;
import io.stepstream.examples.SupportWorkflows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 11, part 4: a Python team (Debian's python3-confluent-kafka) and a Node.js team (kafkajs) use
 * Stepstream through its topics only, with {@code examples/python/stepstream_client.py} and {@code
 * examples/node/stepstream-client.js} as they are in the repository: start runs and read their
 * results, list a pending approval and approve it, send a signal to a waiting run, read a run's
 * history, have a cancel refused. Issue 12: a reviewer service in each language ({@code
 * review_worker.py}, {@code review-worker.js}) completes and fails the durable promises of {@link
 * ReviewWorkflows} runs it reads from the emitted task topic. The engine runs in JSON mode with the
 * example workflows, on a real broker; the programs are child processes (about 50 of them), and what
 * they print is what is checked. About 60 s on 2 cores, broker and engine start included.
 *
 * <p>Needs python3 with confluent_kafka ({@code apt-get install python3-confluent-kafka}) and Node.js
 * with {@code examples/node/node_modules} ({@code npm ci} in examples/node); .ci/run installs both.
 * Without them the test fails, it does not skip.
 */
@Timeout(300)
class ClientExamplesIT {
  private static final String PREFIX = "clients";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PROCESS_BOUND = Duration.ofSeconds(90);

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;

  enum Client {
    PYTHON, NODE
  }

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    // the review workflow emits to topics of the user's: they must exist before the engine starts
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(ReviewWorkflows.REVIEW_TASKS, 3, (short) 1),
          new NewTopic(ReviewWorkflows.REVIEW_OUTCOMES, 3, (short) 1))).all().get();
    }
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(3)
        .approvalSecret("clients-it-secret")
        .wireFormat(WireFormat.JSON)
        .register(new SupportWorkflows())
        .register(new ReviewWorkflows())
        .emitTopics(ReviewWorkflows.REVIEW_TASKS, ReviewWorkflows.REVIEW_OUTCOMES)
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

  @ParameterizedTest(name = "{0}")
  @EnumSource(Client.class)
  void aRunStartedFromTheClientAnswersWithItsResultAndItsHistory(Client client) {
    String run = id(client, "triage");

    Output started = run(client, "--json", "start", run, SupportWorkflows.TRIAGE,
        "{\"id\":\"T-1\",\"customer\":\"ada\",\"text\":\"please refund my last charge\"}", "--wait", "60");

    JsonNode result = started.onlyRecord();
    assertThat(result.path("runId").asText()).isEqualTo(run);
    assertThat(result.path("workflowType").asText()).isEqualTo(SupportWorkflows.TRIAGE);
    assertThat(result.path("status").asText()).as(started.toString()).isEqualTo("COMPLETED");
    assertThat(result.path("output").path("ticketId").asText()).isEqualTo("T-1");
    assertThat(result.path("output").path("category").asText()).isEqualTo("billing");
    assertThat(result.path("output").path("reply").asText()).startsWith("[billing] Thanks for reaching out.");
    assertThat(result.path("error").isNull()).as("no error on a completed run: %s", result).isTrue();

    Output lookedUp = run(client, "--json", "result", run);
    assertThat(lookedUp.onlyRecord()).as("the result looked up later is the same record").isEqualTo(result);

    Output history = run(client, "history", run);
    assertThat(history.columns(1)).as(history.toString())
        .containsSubsequence("RUN_STARTED", "STEP_COMPLETED", "STEP_COMPLETED", "STEP_COMPLETED", "RUN_COMPLETED")
        .doesNotContain("STEP_FAILED", "RUN_FAILED");
    // redact-pii: the step behind the version marker SupportWorkflows gained (new runs take it)
    assertThat(history.stepsOf("STEP_COMPLETED")).containsExactly("redact-pii", "classify", "lookup-customer", "draft-reply");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Client.class)
  void aPendingApprovalIsListedApprovedAndTheRunFinishesOnTheApprovedPath(Client client) {
    String run = id(client, "refund");
    run(client, "start", run, SupportWorkflows.REFUND, "{\"customer\":\"ada\",\"amount\":120}");

    Output listed = eventually(client, out -> out.recordsOf(run).size() == 1, "--json", "approvals");
    JsonNode request = listed.recordsOf(run).get(0);
    assertThat(request.path("approvalName").asText()).isEqualTo("refund-review");
    assertThat(request.path("workflowType").asText()).isEqualTo(SupportWorkflows.REFUND);
    assertThat(request.path("subject").asText()).isEqualTo("Refund 120 to ada");
    assertThat(request.path("details")).as("details are the workflow's value as JSON")
        .isEqualTo(json("{\"customer\":\"ada\",\"amount\":120}"));
    assertThat(request.path("token").asText()).isNotBlank();
    assertThat(request.path("resolution").isNull()).isTrue();
    Output text = run(client, "approvals");
    assertThat(text.stdout()).contains(run + " / refund-review: Refund 120 to ada");

    Output approved = run(client, "--json", "approve", run, "refund-review", "--as", "alice", "--comment", "fine", "--wait", "60");

    JsonNode result = approved.onlyRecord();
    assertThat(result.path("status").asText()).as(approved.toString()).isEqualTo("COMPLETED");
    assertThat(result.path("output").asText()).startsWith("refunded 120 to ada (approved by alice, payment key " + run + "/pay)");
    assertThat(run(client, "--json", "approvals").recordsOf(run)).as("decided, so no longer pending").isEmpty();
    Output again = run(client, "approve", run, "refund-review", "--as", "bob");
    assertThat(again.exit()).as("nothing to approve any more: %s", again).isEqualTo(1);
    assertThat(again.stderr()).contains("has no approval refund-review waiting");

    Output history = run(client, "history", run);
    assertThat(history.columns(1)).as(history.toString())
        .containsSubsequence("RUN_STARTED", "APPROVAL_REQUESTED", "RUN_WAITING", "APPROVAL_DECIDED", "STEP_COMPLETED", "RUN_COMPLETED");
    assertThat(history.stepsOf("STEP_COMPLETED")).containsExactly("pay");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Client.class)
  void aSignalReachesTheWaitingRunWhichThenFinishes(Client client) {
    String run = id(client, "follow-up");
    run(client, "start", run, SupportWorkflows.FOLLOW_UP, "{\"id\":\"T-2\",\"customer\":\"bob\",\"text\":\"the app misbehaves\"}");
    eventually(client, out -> out.columns(1).contains("RUN_WAITING"), "history", run);

    Output signalled = run(client, "--json", "signal", run, SupportWorkflows.CUSTOMER_REPLY,
        "{\"text\":\"it crashes when I open settings\"}", "--signal-id", run + "-reply-1", "--wait", "60");

    JsonNode result = signalled.onlyRecord();
    assertThat(result.path("status").asText()).as(signalled.toString()).isEqualTo("COMPLETED");
    assertThat(result.path("output").path("ticketId").asText()).isEqualTo("T-2");
    assertThat(result.path("output").path("question").asText()).startsWith("Hello bob, what exactly happens");
    assertThat(result.path("output").path("answer").asText()).isEqualTo("it crashes when I open settings");
    assertThat(result.path("output").path("resolution").asText()).isEqualTo("routed to bug");

    Output history = run(client, "--json", "history", run);
    List<String> types = history.records().stream().map(e -> e.path("type").asText()).toList();
    assertThat(types).as(history.toString())
        .containsSubsequence("RUN_STARTED", "STEP_COMPLETED", "RUN_WAITING", "SIGNAL_RECEIVED", "STEP_COMPLETED", "RUN_COMPLETED");
    assertThat(history.records()).allSatisfy(e -> assertThat(e.path("runId").asText()).isEqualTo(run));

    Output cancel = run(client, "cancel", run, "--reason", "too late");
    assertThat(cancel.exit()).as("a finished run cannot be cancelled: %s", cancel).isEqualTo(1);
    assertThat(cancel.stdout()).contains("CANCEL_REJECTED").contains("already ended COMPLETED");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Client.class)
  void aReviewerServiceCompletesOrFailsThePromiseOfEachTaskAndEachRunPublishesOneOutcome(Client client) {
    String approvedRun = id(client, "review-1");
    String draftRun = id(client, "review-2");
    String approvedDoc = id(client, "pricing");
    String draftDoc = id(client, "hiring");
    run(client, "start", approvedRun, ReviewWorkflows.REVIEW,
        "{\"id\":\"" + approvedDoc + "\",\"title\":\"Q3 pricing\",\"text\":\"We raise the starter plan to 12 EUR.\"}");
    run(client, "start", draftRun, ReviewWorkflows.REVIEW,
        "{\"id\":\"" + draftDoc + "\",\"title\":\"Draft: Q4 hiring plan\",\"text\":\"Two engineers, one designer.\"}");

    // one consumer group for both languages: each worker goes on from the offsets the last one committed
    Output worker = program(client, Program.REVIEW_WORKER, "--max-tasks", "2", "--timeout", "60");

    assertThat(worker.exit()).as("the worker handled its 2 tasks: %s", worker).isZero();
    Map<String, String> verdicts = new HashMap<>();
    for (String line : worker.stdout().lines().toList()) {
      String[] columns = line.split(" {2,}");
      assertThat(columns).as("DOCUMENT  VERDICT  PROMISE_ID: %s", line).hasSize(3);
      assertThat(columns[2]).as("the promise id out of the task").startsWith("prm_");
      verdicts.put(columns[0], columns[1]);
    }
    assertThat(verdicts).as(worker.toString()).isEqualTo(Map.of(approvedDoc, "APPROVED", draftDoc, "NEEDS_WORK"));

    JsonNode approved = run(client, "--json", "result", approvedRun, "--wait", "60").onlyRecord();
    assertThat(approved.path("status").asText()).as("%s", approved).isEqualTo("COMPLETED");
    assertThat(approved.path("output")).isEqualTo(json(
        "{\"documentId\":\"" + approvedDoc + "\",\"status\":\"PUBLISHED\",\"notes\":\"approved by " + reviewer(client) + "\"}"));
    JsonNode draft = run(client, "--json", "result", draftRun, "--wait", "60").onlyRecord();
    assertThat(draft.path("status").asText()).as("%s", draft).isEqualTo("COMPLETED");
    assertThat(draft.path("output")).as("the failed promise, as the workflow recorded it").isEqualTo(json(
        "{\"documentId\":\"" + draftDoc + "\",\"status\":\"NOT_REVIEWED\","
            + "\"notes\":\"NEEDS_WORK: 'Draft: Q4 hiring plan' is still a draft: finish it, then submit it again\"}"));

    Map<String, List<JsonNode>> outcomes = committedByRun(ReviewWorkflows.REVIEW_OUTCOMES, Set.of(approvedRun, draftRun));
    assertThat(outcomes.get(approvedRun)).as("one outcome record for %s", approvedRun).containsExactly(approved.path("output"));
    assertThat(outcomes.get(draftRun)).as("one outcome record for %s", draftRun).containsExactly(draft.path("output"));
    Map<String, List<JsonNode>> tasks = committedByRun(ReviewWorkflows.REVIEW_TASKS, Set.of(approvedRun, draftRun));
    assertThat(tasks.get(approvedRun)).as("one task for %s", approvedRun).hasSize(1);
    assertThat(tasks.get(draftRun)).as("one task for %s", draftRun).hasSize(1);
  }

  private static String reviewer(Client client) {
    return client.name().toLowerCase() + "-reviewer"; // the workers' default --as
  }

  /**
   * The committed records (read_committed) of an emit topic, from its beginning to its end now, by the
   * run that emitted them (header stepstream.run-id), for the given runs.
   */
  private static Map<String, List<JsonNode>> committedByRun(String topic, Set<String> runs) {
    Map<String, List<JsonNode>> byRun = new HashMap<>();
    runs.forEach(r -> byRun.put(r, new ArrayList<>()));
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions); // read_committed: the last stable offset
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(System.nanoTime()).as("%s read to its end %s within 30 s", topic, end).isLessThan(deadline);
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          Header run = r.headers().lastHeader("stepstream.run-id");
          String runId = run == null ? null : new String(run.value(), StandardCharsets.UTF_8);
          if (byRun.containsKey(runId)) {
            byRun.get(runId).add(json(r.value()));
          }
        }
      }
    }
    return byRun;
  }

  // -- running the example programs ----------------------------------------------------------------

  private static String id(Client client, String what) {
    return client.name().toLowerCase() + "-" + what;
  }

  /** What one run of an example program printed. */
  record Output(List<String> command, int exit, String stdout, String stderr) {
    /** stdout as JSON records, one per line (--json). */
    List<JsonNode> records() {
      return stdout.lines().filter(l -> !l.isBlank()).map(ClientExamplesIT::json).toList();
    }

    JsonNode onlyRecord() {
      assertThat(exit).as("exit code of %s", this).isZero();
      assertThat(records()).as("one record from %s", this).hasSize(1);
      return records().get(0);
    }

    List<JsonNode> recordsOf(String run) {
      return records().stream().filter(r -> r.path("runId").asText().equals(run)).toList();
    }

    /** Column n (0-based) of each line of text output; columns are separated by two or more spaces. */
    List<String> columns(int n) {
      return stdout.lines().map(l -> l.split(" {2,}")).filter(c -> c.length > n).map(c -> c[n].trim()).toList();
    }

    /** The step column of the history lines of one event type. */
    List<String> stepsOf(String type) {
      return stdout.lines().map(l -> l.split(" {2,}")).filter(c -> c.length > 2 && c[1].trim().equals(type)).map(c -> c[2].trim()).toList();
    }

    @Override
    public String toString() {
      return String.join(" ", command) + "\n  exit " + exit + "\n  stdout:\n" + stdout + "\n  stderr:\n" + stderr;
    }
  }

  /** The example programs, per language. */
  enum Program {
    CLIENT("python/stepstream_client.py", "node/stepstream-client.js"),
    REVIEW_WORKER("python/review_worker.py", "node/review-worker.js");

    final String python;
    final String node;

    Program(String python, String node) {
      this.python = python;
      this.node = node;
    }
  }

  private static Output run(Client client, String... args) {
    return program(client, Program.CLIENT, args);
  }

  private static Output program(Client client, Program program, String... args) {
    List<String> command = new ArrayList<>(switch (client) {
      case PYTHON -> List.of(Prerequisites.python(), examples().resolve(program.python).toString());
      case NODE -> List.of(Prerequisites.node(), examples().resolve(program.node).toString());
    });
    command.addAll(List.of("-b", kafka.bootstrapServers(), "--prefix", PREFIX));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(dir, "stdout", ".txt");
      Path err = Files.createTempFile(dir, "stderr", ".txt");
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(PROCESS_BOUND.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", command) + " did not end within " + PROCESS_BOUND.toSeconds() + " s:\n"
            + Files.readString(out) + Files.readString(err));
      }
      return new Output(command, p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + command, e);
    }
  }

  /** Runs the command until its output passes (the engine works asynchronously), at most 60 s. */
  private static Output eventually(Client client, Predicate<Output> passes, String... args) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Output last;
    do {
      last = run(client, args);
      if (last.exit() == 0 && passes.test(last)) {
        return last;
      }
      sleep(Duration.ofMillis(300));
    } while (System.nanoTime() < deadline);
    throw new AssertionError("no passing output within 60 s; the last:\n" + last);
  }

  static Path examples() {
    return Path.of(System.getProperty("examples.dir", "..")).toAbsolutePath().normalize();
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The interpreters and libraries the examples need; missing ones fail the test with what to install. */
  static final class Prerequisites {
    private static String python;
    private static String node;

    static synchronized String python() {
      if (python == null) {
        python = firstWorking("python3 with the confluent_kafka module (librdkafka): run `apt-get install python3-confluent-kafka`"
            + " (.ci/run does)", List.of("/usr/bin/python3", "python3"), "-c", "import confluent_kafka");
      }
      return python;
    }

    static synchronized String node() {
      if (node == null) {
        node = firstWorking("Node.js: run `apt-get install nodejs npm` (.ci/run does)", List.of("node", "nodejs"), "--version");
        Path kafkajs = examples().resolve("node/node_modules/kafkajs/package.json");
        if (!Files.exists(kafkajs)) {
          throw new AssertionError("examples/node has no node_modules (no " + kafkajs + "): run `npm ci` in "
              + examples().resolve("node") + " (.ci/run does)");
        }
      }
      return node;
    }

    private static String firstWorking(String what, List<String> candidates, String... check) {
      List<String> tried = new ArrayList<>();
      for (String candidate : candidates) {
        List<String> command = new ArrayList<>(List.of(candidate));
        command.addAll(List.of(check));
        try {
          Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
          String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
          if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
            return candidate;
          }
          tried.add(candidate + ": " + output);
        } catch (IOException e) {
          tried.add(candidate + ": " + e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
      throw new AssertionError("the client examples need " + what + ". Tried " + tried);
    }
  }
}
