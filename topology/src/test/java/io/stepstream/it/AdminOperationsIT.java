package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.StepOptions;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.client.CommandResult;
import io.stepstream.client.DeadLetterPage;
import io.stepstream.client.DeadLetterQuery;
import io.stepstream.client.DeadLetterView;
import io.stepstream.client.RedriveResult;
import io.stepstream.client.RestartResult;
import io.stepstream.client.RunHandle;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.codec.EnvelopeReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin operations against a real broker (ADR 0016): terminate of a run whose step is still
 * running (its outcome arrives afterwards and is stale), restart from a step of a failed run with
 * fixed code, and a dead letter listed and redriven once its cause was fixed.
 */
@Timeout(180)
class AdminOperationsIT {
  private static final String PREFIX = "admit";

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;

  static final CountDownLatch STEP_STARTED = new CountDownLatch(1);
  static final CountDownLatch RELEASE_STEP = new CountDownLatch(1);
  static final AtomicInteger A_RUNS = new AtomicInteger();
  static volatile boolean fixed;
  /** A deployment that added an unnamed recorded value before the first step: replaying older runs parks them. */
  static volatile boolean drift;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine =
        Stepstream.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .topicPrefix(PREFIX)
            .stateDir(dir.resolve("state"))
            .partitions(2)
            .approvalSecret("admin-ops-it-secret-0123")
            .earlyInputTtl(Duration.ofSeconds(2))
            .httpServer("127.0.0.1", 0)
            .register("stuck", String.class, (ctx, in) -> {
              ctx.step("prepare", String.class, s -> "prepared");
              return ctx.step("call-supplier", String.class, s -> {
                STEP_STARTED.countDown();
                RELEASE_STEP.await(60, TimeUnit.SECONDS); // a slow external call
                return "answer";
              });
            })
            .register("abc", String.class, (ctx, in) -> {
              String a = ctx.step("a", String.class, s -> {
                A_RUNS.incrementAndGet();
                return "A";
              });
              String b = ctx.step("b", String.class, s -> "B");
              String c = ctx.step("c", String.class, StepOptions.retry(RetryPolicy.noRetries()), s -> {
                if (!fixed) {
                  throw new IllegalStateException("c has a bug");
                }
                return "C-fixed";
              });
              return a + b + c;
            })
            .register("drifty", String.class, (ctx, in) -> {
              if (drift) {
                ctx.now();
              }
              ctx.step("a", String.class, s -> "A");
              ctx.sleep("nap", Duration.ofSeconds(15)); // time to deploy the "faulty" code before the timers fire
              return ctx.step("c", String.class, s -> "C " + in);
            })
            .register("waiter", String.class, (ctx, in) -> "got " + ctx.awaitEvent("go", Integer.class, Duration.ofMinutes(5)))
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    RELEASE_STEP.countDown();
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aTerminatedRunEndsAtOnceAndTheOutcomeOfItsStepThatArrivesAfterwardsIsStale() throws Exception {
    WorkflowClient client = engine.client();
    RunHandle run = client.start("stuck", "stuck-1", "x");
    assertThat(STEP_STARTED.await(60, TimeUnit.SECONDS)).isTrue();

    CommandResult answer = client.terminate("stuck-1", "supplier API is down", "ops-alice", Duration.ofSeconds(30));

    assertThat(answer.accepted()).as(answer.detail()).isTrue();
    RunResult result = run.await(Duration.ofSeconds(30));
    assertThat(result.status()).isEqualTo(RunStatus.TERMINATED);
    RELEASE_STEP.countDown();
    // An outcome of the stopped execution that the broker delivers only now (published just before
    // the terminate was applied): simulated by producing one of that execution's outcome records again.
    var outcomes = TopicReader.readAll(kafka.bootstrapServers(), PREFIX + ".step-outcomes").stream()
        .filter(r -> "stuck-1".equals(r.key())).toList();
    assertThat(outcomes).isNotEmpty();
    var late = outcomes.get(outcomes.size() - 1);
    try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
        java.util.Map.of("bootstrap.servers", kafka.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(PREFIX + ".step-outcomes", late.partition(), "stuck-1",
          late.value(), late.headers())).get(30, TimeUnit.SECONDS);
    }
    List<AuditEvent> events = awaitEvents("stuck-1", e -> e.getType() == AuditEventType.STALE_OUTCOME);
    assertThat(events).extracting(AuditEvent::getType)
        .containsSubsequence(AuditEventType.TERMINATE_REQUESTED, AuditEventType.RUN_TERMINATED, AuditEventType.STALE_OUTCOME)
        .filteredOn(t -> t == AuditEventType.STEP_COMPLETED).hasSize(1); // "prepare", before the terminate; never "call-supplier"
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.RUN_TERMINATED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).contains("by ops-alice").contains("supplier API is down"));
  }

  @Test
  void aFailedRunRestartedFromAStepRunsTheLaterStepsAgainWithTheFixedCode() {
    WorkflowClient client = engine.client();
    RunResult failed = client.start("abc", "abc-1", "x").await(Duration.ofSeconds(60));
    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);

    fixed = true; // "deployed": the engine runs the current code on restart
    RestartResult restarted = client.restart("abc-1", "b", "bug in c fixed", "ops-alice", Duration.ofSeconds(30));

    assertThat(restarted.accepted()).as(restarted.detail()).isTrue();
    RunResult again = restarted.run().await(Duration.ofSeconds(60));
    assertThat(again.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(again.output(String.class)).isEqualTo("ABC-fixed");
    assertThat(A_RUNS).as("step a was recorded before b: kept, not run again").hasValue(1);
  }

  @Test
  void aDeadLetterIsListedAndRedrivenAfterTheFixAndTheRunGoesOnWithARecordRedrivenEvent() throws Exception {
    WorkflowClient client = engine.client();
    client.signal("late-1", "go", 7, "sig-1"); // for a run not started yet: kept 2 s, then dead-lettered UNKNOWN_RUN
    DeadLetterView letter = awaitDeadLetter(client, "late-1");
    assertThat(letter.errorType()).isEqualTo("UNKNOWN_RUN");
    assertThat(letter.redrivable()).as(String.valueOf(letter.notRedrivable())).isTrue();
    assertThat(letter.redriven()).isFalse();

    RunHandle run = client.start("waiter", "late-1", "x"); // the fix: the run exists now
    RedriveResult redrive = client.deadLetters().redrive(List.of(letter.ref()), "ops-bob");

    assertThat(redrive.refused()).isEmpty();
    assertThat(redrive.redriven()).singleElement().satisfies(r -> assertThat(r.toTopic()).isEqualTo(PREFIX + ".signals"));
    assertThat(run.await(Duration.ofSeconds(60)).output(String.class)).isEqualTo("got 7");
    List<AuditEvent> events = awaitEvents("late-1", e -> e.getType() == AuditEventType.RECORD_REDRIVEN);
    assertThat(events).filteredOn(e -> e.getType() == AuditEventType.RECORD_REDRIVEN).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).contains("by ops-bob").contains(PREFIX + ".dlq-" + letter.ref()));
    assertThat(client.deadLetters().list(DeadLetterQuery.newest(10).runId("late-1")).deadLetters())
        .singleElement().satisfies(d -> assertThat(d.redriven()).isTrue());
  }

  @Test
  void parkedRunsCanBeResumedOneByOneOrInBulkCancelledAndTerminated() throws Exception {
    WorkflowClient client = engine.client();
    List<String> ids = List.of("drift-1", "drift-2", "drift-3", "drift-4");
    java.util.Map<String, RunHandle> runs = new java.util.HashMap<>();
    for (String id : ids) {
      runs.put(id, client.start("drifty", id, id));
    }
    for (String id : ids) {
      awaitEvents(id, e -> e.getType() == AuditEventType.RUN_WAITING);
    }
    drift = true; // the faulty deployment: when their timers fire, the replays do not match and the runs park
    for (String id : ids) {
      awaitEvents(id, e -> e.getType() == AuditEventType.RUN_PARKED);
    }
    drift = false; // the fix

    assertThat(client.resume("drift-1", Duration.ofSeconds(30)).accepted()).isTrue();
    assertThat(client.cancel("drift-2", "not needed any more", Duration.ofSeconds(30)).accepted()).isTrue();
    assertThat(client.terminate("drift-3", "stop it").accepted()).isTrue();
    client.resumeParked(java.util.Optional.of("drifty"), "ops-alice");

    assertThat(runs.get("drift-1").await(Duration.ofSeconds(60)).output(String.class)).isEqualTo("C drift-1");
    assertThat(runs.get("drift-2").await(Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(runs.get("drift-3").await(Duration.ofSeconds(60)).status()).isEqualTo(RunStatus.TERMINATED);
    assertThat(runs.get("drift-4").await(Duration.ofSeconds(60)).output(String.class)).isEqualTo("C drift-4");
    assertThat(awaitEvents("drift-4", e -> e.getType() == AuditEventType.RESUME_REQUESTED))
        .filteredOn(e -> e.getType() == AuditEventType.RESUME_REQUESTED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).contains("by ops-alice").contains("resume of all parked runs of type drifty"));
  }

  @Test
  void theAdminApiIsMountedAndRefusesEveryoneOutsideDevModeWithoutAnIdentityProvider() throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    var request = java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + engine.httpAddress().getPort() + "/api/admin/runs/abc-1/terminate"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build();

    var response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("needs a verified identity");
  }

  private static DeadLetterView awaitDeadLetter(WorkflowClient client, String runId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      DeadLetterPage page = client.deadLetters().list(DeadLetterQuery.newest(10).runId(runId));
      if (!page.deadLetters().isEmpty()) {
        return page.deadLetters().get(0);
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no dead letter for run " + runId + " within 60 s");
  }

  private static List<AuditEvent> awaitEvents(String runId, java.util.function.Predicate<AuditEvent> until) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<AuditEvent> events = List.of();
    while (System.nanoTime() < deadline) {
      events = TopicReader.readAll(kafka.bootstrapServers(), PREFIX + ".events").stream()
          .filter(r -> runId.equals(r.key()))
          .map(r -> decode(r.value()))
          .filter(Objects::nonNull)
          .toList();
      if (events.stream().anyMatch(until)) {
        return events;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the awaited event of run " + runId + " did not come within 60 s; events: " + events);
  }

  private static AuditEvent decode(byte[] value) {
    try {
      return EnvelopeReader.withoutRegistry().auditEvent(value);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
