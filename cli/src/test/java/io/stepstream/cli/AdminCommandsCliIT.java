package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.RunStatus;
import io.stepstream.client.RunHandle;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `stepstream runs terminate|resume|restart` and `stepstream dlq list|redrive` against a real broker and engine. */
@Timeout(180)
class AdminCommandsCliIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "acli";

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .stateDir(dir.resolve("state"))
        .partitions(2)
        .approvalSecret("admin-cli-it-secret-0123")
        .earlyInputTtl(Duration.ofSeconds(2))
        .register("napper", String.class, (ctx, in) -> {
          ctx.sleep("nap", Duration.ofHours(1));
          return "woke";
        })
        .register("waiter", String.class, (ctx, in) -> "got " + ctx.awaitEvent("go", Integer.class, Duration.ofMinutes(5)))
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

  private record Run(int code, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = StepstreamCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--bootstrap-servers";
    all[args.length + 1] = kafka.bootstrapServers();
    all[args.length + 2] = "--topic-prefix";
    all[args.length + 3] = PREFIX;
    int code = cli.execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void runsTerminateEndsAWaitingRunAndASecondTerminateIsRejected() throws Exception {
    RunHandle run = engine.client().start("napper", "nap-1", "x");
    awaitStatus("nap-1");

    Run first = cli("runs", "terminate", "nap-1", "--reason", "not needed", "--json");
    assertThat(first.code()).as(first.out() + first.err()).isZero();
    JsonNode answer = JSON.readTree(first.out());
    assertThat(answer.get("command").asText()).isEqualTo("terminate");
    assertThat(answer.get("accepted").asBoolean()).isTrue();
    assertThat(answer.get("commandId").asText()).isNotBlank();
    assertThat(run.await(Duration.ofSeconds(30)).status()).isEqualTo(RunStatus.TERMINATED);

    Run again = cli("runs", "terminate", "nap-1");
    assertThat(again.code()).isEqualTo(3);
    assertThat(again.out()).startsWith("rejected: ").contains("already ended TERMINATED");
  }

  @Test
  void runsRestartOfAnUnknownStepIsRejectedNamingTheSteps() throws Exception {
    RunHandle run = engine.client().start("napper", "nap-2", "x");
    awaitStatus("nap-2");

    Run restart = cli("runs", "restart", "nap-2", "--from-step", "charge");

    assertThat(restart.code()).isEqualTo(3);
    assertThat(restart.out()).contains("no step 'charge'");
    cli("runs", "terminate", "nap-2");
    run.await(Duration.ofSeconds(30));
  }

  @Test
  void runsResumeAllParkedIsSentToEveryPartition() throws Exception {
    Run r = cli("runs", "resume", "--all-parked", "--type", "napper", "--json");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(JSON.readTree(r.out()).get("partitions").asInt()).isEqualTo(2);
  }

  @Test
  void dlqListShowsADeadLetterAndRedriveReproducesItOnceTheRunExists() throws Exception {
    engine.client().signal("cli-late-1", "go", 5, "s-1"); // no such run: dead-lettered UNKNOWN_RUN after 2 s
    JsonNode letter = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (letter == null && System.nanoTime() < deadline) {
      Run list = cli("dlq", "list", "--run-id", "cli-late-1", "--json");
      assertThat(list.code()).as(list.err()).isZero();
      JsonNode letters = JSON.readTree(list.out()).get("deadLetters");
      letter = letters.isEmpty() ? null : letters.get(0);
      Thread.sleep(500);
    }
    assertThat(letter).as("a dead letter for cli-late-1").isNotNull();
    assertThat(letter.get("errorType").asText()).isEqualTo("UNKNOWN_RUN");
    assertThat(letter.get("redriven").asBoolean()).isFalse();
    Run text = cli("dlq", "list", "--code", "UNKNOWN_RUN");
    assertThat(text.out()).contains(letter.get("partition").asInt() + "@" + letter.get("offset").asLong()).contains("cli-late-1");

    RunHandle run = engine.client().start("waiter", "cli-late-1", "x");
    Run redrive = cli("dlq", "redrive", letter.get("partition").asInt() + "@" + letter.get("offset").asLong());

    assertThat(redrive.code()).as(redrive.out() + redrive.err()).isZero();
    assertThat(redrive.out()).contains("redriven").contains(PREFIX + ".signals");
    assertThat(run.await(Duration.ofSeconds(60)).output(String.class)).isEqualTo("got 5");
    Run after = cli("dlq", "list", "--run-id", "cli-late-1", "--json");
    assertThat(JSON.readTree(after.out()).get("deadLetters").get(0).get("redriven").asBoolean()).isTrue();
    Run nothing = cli("dlq", "redrive", "--all", "--run-id", "cli-late-1");
    assertThat(nothing.out()).contains("nothing to redrive");
  }

  /** Waits until the run is waiting (its sleep is recorded): a terminate must find it, not race its start. */
  private static void awaitStatus(String runId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      boolean waiting = io.stepstream.internal.client.TopicScanner.readAll(
              java.util.Map.of("bootstrap.servers", kafka.bootstrapServers()), PREFIX + ".events", -1, Duration.ofSeconds(10))
          .stream().anyMatch(r -> runId.equals(r.key()) && decodeType(r.value()).equals("RUN_WAITING"));
      if (waiting) {
        return;
      }
      Thread.sleep(300);
    }
    throw new AssertionError(runId + " did not start waiting within 60 s");
  }

  private static String decodeType(byte[] value) {
    try {
      return io.stepstream.internal.codec.EnvelopeReader.withoutRegistry().auditEvent(value).getType().name();
    } catch (RuntimeException e) {
      return "";
    }
  }
}
