package io.stepstream.examples.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.client.WireFormat;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.SupportWorkflows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
 * history, have a cancel refused. The engine runs in JSON mode with the example workflows, on a real
 * broker; the programs are child processes (about 40 of them), and what they print is what is
 * checked. About 50 s on 2 cores, broker and engine start included.
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
  static void start() throws IOException {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(3)
        .approvalSecret("clients-it-secret")
        .wireFormat(WireFormat.JSON)
        .register(new SupportWorkflows())
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
    assertThat(history.stepsOf("STEP_COMPLETED")).containsExactly("classify", "lookup-customer", "draft-reply");
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

  private static Output run(Client client, String... args) {
    List<String> command = new ArrayList<>(switch (client) {
      case PYTHON -> List.of(Prerequisites.python(), examples().resolve("python/stepstream_client.py").toString());
      case NODE -> List.of(Prerequisites.node(), examples().resolve("node/stepstream-client.js").toString());
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
