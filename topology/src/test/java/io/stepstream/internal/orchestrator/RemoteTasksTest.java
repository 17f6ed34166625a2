package io.stepstream.internal.orchestrator;

import static io.stepstream.avro.AuditEventType.SIGNAL_IGNORED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.RetryPolicy;
import io.stepstream.StepFailedException;
import io.stepstream.TaskOptions;
import io.stepstream.Workflow;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.executor.EmitTopics;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote tasks (ctx.task): one task record per attempt, the worker's outcome applied like a step's
 * (first wins, retries with backoff, non-retryable failures, timeouts with cancel notices,
 * heartbeats that keep an attempt alive), virtual time.
 */
@Timeout(30)
class RemoteTasksTest {
  record Doc(String text) {}

  record Summary(String text, int words) {}

  private static final RetryPolicy THREE_TRIES = RetryPolicy.builder().maximumAttempts(3).initialInterval(Duration.ofSeconds(1))
      .backoffCoefficient(2).jitter(0).build();

  private final Workflow<Doc, String> summarize = (ctx, doc) -> {
    try {
      Summary s = ctx.task("summarize", "llm", doc, Summary.class,
          TaskOptions.defaults().withTimeout(Duration.ofMinutes(1)).withRetry(THREE_TRIES));
      return s.text() + "/" + s.words();
    } catch (StepFailedException e) {
      return "failed " + e.errorType() + " after " + e.attempts() + ": " + e.errorMessage();
    }
  };

  private final Workflow<Doc, String> longTask = (ctx, doc) -> ctx.task("think", "llm", doc, Summary.class,
      TaskOptions.defaults().withTimeout(Duration.ofMinutes(10)).withHeartbeatTimeout(Duration.ofMinutes(1)).withRetry(THREE_TRIES)).text();

  private final Workflow<Doc, String> elsewhere = (ctx, doc) -> ctx.task("x", "not-declared", doc, Summary.class).text();

  private final OrchestratorHarness harness = new OrchestratorHarness(
      new WorkflowRegistry().register("summarize", Doc.class, summarize).register("long", Doc.class, longTask)
          .register("elsewhere", Doc.class, elsewhere),
      EmitTopics.of(List.of()).withTaskQueues(io.stepstream.client.Topics.withPrefix("t"), List.of("llm")));

  private final List<JsonNode> tasks = new ArrayList<>();
  private final List<JsonNode> cancels = new ArrayList<>();

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aTaskRecordIsWrittenOnceAndTheRunGoesOnWithTheWorkersValue() {
    harness.request("r1", "summarize", new Doc("to be or not to be"));
    harness.settle();

    JsonNode task = onlyTask();
    assertThat(task.get("runId").asText()).isEqualTo("r1");
    assertThat(task.get("step").asText()).isEqualTo("summarize");
    assertThat(task.get("queue").asText()).isEqualTo("llm");
    assertThat(task.get("attempt").asInt()).isEqualTo(1);
    assertThat(task.get("maxAttempts").asInt()).isEqualTo(3);
    assertThat(task.get("idempotencyKey").asText()).isEqualTo("r1/summarize");
    assertThat(task.get("input").get("text").asText()).isEqualTo("to be or not to be");
    assertThat(task.get("deadline").asLong() - task.get("dispatchedAt").asLong()).isEqualTo(60_000);
    assertThat(task.get("heartbeatTimeoutMs").isNull()).isTrue();
    assertThat(harness.results()).isEmpty();

    complete(task, "{\"text\":\"hamlet\",\"words\":6}");
    harness.settle();

    assertThat(output()).isEqualTo("hamlet/6");
    assertThat(readTasks()).isEmpty(); // the replay that returned the value wrote nothing
  }

  @Test
  void theTaskRecordCarriesTheTaskIdAsKeyAndHeader() {
    harness.request("r1", "summarize", new Doc("a"));
    harness.settle();
    List<TestRecord<String, byte[]>> records = harness.emitted("t.tasks.llm");
    assertThat(records).hasSize(1);
    TestRecord<String, byte[]> r = records.get(0);
    String taskId = json(r.value()).get("taskId").asText();
    assertThat(r.key()).isEqualTo(taskId).startsWith("prm_");
    assertThat(new String(r.headers().lastHeader("stepstream.task-id").value(), StandardCharsets.UTF_8)).isEqualTo(taskId);
    assertThat(new String(r.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8)).isEqualTo("application/json");
    assertThat(new String(r.headers().lastHeader("stepstream.run-id").value(), StandardCharsets.UTF_8)).isEqualTo("r1");
  }

  @Test
  void aRetryableFailureDispatchesANewAttemptWithANewTaskIdAfterTheBackoff() {
    harness.request("r1", "summarize", new Doc("a"));
    harness.settle();
    JsonNode first = onlyTask();
    fail(first, "RATE_LIMITED", false);
    harness.settle();
    assertThat(readTasks()).isEmpty(); // backing off

    harness.advanceAndSettle(Duration.ofSeconds(2), Duration.ofMillis(500));
    JsonNode second = onlyTask();
    assertThat(second.get("attempt").asInt()).isEqualTo(2);
    assertThat(second.get("taskId").asText()).isNotEqualTo(first.get("taskId").asText());
    assertThat(second.get("idempotencyKey").asText()).isEqualTo(first.get("idempotencyKey").asText());

    complete(second, "{\"text\":\"ok\",\"words\":1}");
    harness.settle();
    assertThat(output()).isEqualTo("ok/1");
  }

  @Test
  void aNonRetryableFailureEndsTheStepAfterOneAttempt() {
    harness.request("r1", "summarize", new Doc("a"));
    harness.settle();
    fail(onlyTask(), "BAD_DOCUMENT", true);
    harness.settle();

    assertThat(output()).startsWith("failed BAD_DOCUMENT after 1: it broke").contains("non-retryable");
    harness.advanceAndSettle(Duration.ofMinutes(5), Duration.ofSeconds(30));
    assertThat(readTasks()).isEmpty();
  }

  @Test
  void afterTheLastAttemptTheStepFailsWithTheWorkersErrorType() {
    harness.request("r1", "summarize", new Doc("a"));
    harness.settle();
    for (int i = 1; i <= 3; i++) {
      harness.advanceAndSettle(Duration.ofSeconds(5), Duration.ofMillis(500));
      fail(onlyTask(), "RATE_LIMITED", false);
      harness.settle();
    }
    assertThat(output()).startsWith("failed RATE_LIMITED after 3");
  }

  @Test
  void aTimedOutAttemptIsCancelledForWorkersRetriedAndItsLateOutcomeIgnored() {
    harness.request("r1", "summarize", new Doc("a"));
    harness.settle();
    JsonNode first = onlyTask();

    harness.advanceAndSettle(Duration.ofSeconds(62), Duration.ofSeconds(1));
    assertThat(readCancels()).singleElement().satisfies(c -> {
      assertThat(c.get("taskId").asText()).isEqualTo(first.get("taskId").asText());
      assertThat(c.get("reason").asText()).isEqualTo("TIMED_OUT");
      assertThat(c.get("attempt").asInt()).isEqualTo(1);
    });
    harness.advanceAndSettle(Duration.ofSeconds(3), Duration.ofMillis(500));
    JsonNode second = onlyTask();
    assertThat(second.get("attempt").asInt()).isEqualTo(2);

    complete(first, "{\"text\":\"late\",\"words\":1}"); // the first worker finally answers
    harness.settle();
    assertThat(harness.results()).isEmpty();
    assertThat(harness.eventTypes(harness.events())).contains(SIGNAL_IGNORED);
    assertThat(harness.deadLetterRecords()).isEmpty();

    complete(second, "{\"text\":\"on time\",\"words\":2}");
    harness.settle();
    assertThat(output()).isEqualTo("on time/2");
  }

  @Test
  void theFirstOutcomeWinsAndADuplicateIsAuditedNotDeadLettered() {
    harness.request("r1", "summarize", new Doc("a"));
    harness.settle();
    JsonNode task = onlyTask();
    complete(task, "{\"text\":\"first\",\"words\":1}");
    complete(task, "{\"text\":\"second\",\"words\":2}"); // a redelivered task, executed again
    harness.settle();

    assertThat(output()).isEqualTo("first/1");
    assertThat(harness.deadLetterRecords()).isEmpty();
  }

  @Test
  void heartbeatsKeepAnAttemptAliveUntilItsTimeoutAndTheirAbsenceEndsIt() {
    harness.request("r1", "long", new Doc("a"));
    harness.settle();
    JsonNode task = onlyTask();
    assertThat(task.get("heartbeatTimeoutMs").asLong()).isEqualTo(60_000);

    for (int i = 0; i < 5; i++) { // 5 minutes of work, a heartbeat every 40 s
      harness.advanceAndSettle(Duration.ofSeconds(40), Duration.ofSeconds(5));
      heartbeat(task);
      harness.settle();
    }
    assertThat(readCancels()).isEmpty();
    assertThat(readTasks()).isEmpty();

    harness.advanceAndSettle(Duration.ofSeconds(65), Duration.ofSeconds(5)); // the worker went silent
    assertThat(readCancels()).singleElement().satisfies(c -> assertThat(c.get("reason").asText()).isEqualTo("TIMED_OUT"));
    harness.advanceAndSettle(Duration.ofSeconds(3), Duration.ofMillis(500));
    JsonNode second = onlyTask();
    complete(second, "{\"text\":\"done\",\"words\":1}");
    harness.settle();
    assertThat(output()).isEqualTo("done");
  }

  @Test
  void heartbeatsCannotPushAnAttemptPastItsTimeout() {
    harness.request("r1", "long", new Doc("a"));
    harness.settle();
    JsonNode task = onlyTask();
    for (int i = 0; i < 16; i++) { // 10 min 40 s of heartbeats against a 10-minute timeout
      harness.advanceAndSettle(Duration.ofSeconds(40), Duration.ofSeconds(5));
      heartbeat(task);
      harness.settle();
    }
    assertThat(readCancels()).singleElement().satisfies(c -> assertThat(c.get("taskId").asText()).isEqualTo(task.get("taskId").asText()));
  }

  @Test
  void aCancelledRunTellsWorkersHoldingItsTask() {
    harness.request("r1", "long", new Doc("a"));
    harness.settle();
    JsonNode task = onlyTask();

    harness.cancel("r1", "not needed");
    harness.settle();

    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.CANCELLED));
    assertThat(readCancels()).singleElement().satisfies(c -> {
      assertThat(c.get("taskId").asText()).isEqualTo(task.get("taskId").asText());
      assertThat(c.get("reason").asText()).isEqualTo("RUN_ENDED");
    });
  }

  @Test
  void aHeartbeatWithDataIsDeadLetteredWithAClearReason() {
    harness.request("r1", "long", new Doc("a"));
    harness.settle();
    JsonNode task = onlyTask();
    harness.rawSignal("r1", bytes("{\"promiseId\":\"" + task.get("taskId").asText() + "\",\"heartbeat\":true,\"data\":{}}"));
    harness.settle();

    assertThat(harness.deadLetterRecords()).singleElement().satisfies(r ->
        assertThat(new String(r.headers().lastHeader("stepstream.error.message").value(), StandardCharsets.UTF_8)).contains("heartbeat"));
  }

  @Test
  void aResultOfTheWrongShapeFailsTheStepNamingTheTask() {
    harness.request("r1", "summarize", new Doc("a"));
    harness.settle();
    complete(onlyTask(), "{\"text\":\"x\",\"words\":\"many\"}");
    harness.settle();

    assertThat(output()).startsWith("failed TASK_RESULT_UNDECODABLE after 1").contains("summarize").contains("Summary");
  }

  @Test
  void aTaskForAnUndeclaredQueueFailsTheRunNamingTheQueue() {
    harness.request("r1", "elsewhere", new Doc("a"));
    harness.settle();

    assertThat(harness.results()).singleElement().satisfies(r -> {
      assertThat(r.getStatus()).isEqualTo(RunStatus.FAILED);
      assertThat(r.getError().getMessage()).contains("not-declared").contains("taskQueues");
    });
  }

  // ---- helpers ----

  private JsonNode onlyTask() {
    List<JsonNode> fresh = readTasks();
    assertThat(fresh).hasSize(1);
    return fresh.get(0);
  }

  private List<JsonNode> readTasks() {
    List<JsonNode> fresh = harness.emitted("t.tasks.llm").stream().map(r -> json(r.value())).toList();
    tasks.addAll(fresh);
    return fresh;
  }

  private List<JsonNode> readCancels() {
    List<JsonNode> fresh = harness.emitted("t.task-cancels").stream().map(r -> json(r.value())).toList();
    cancels.addAll(fresh);
    return fresh;
  }

  private void complete(JsonNode task, String data) {
    harness.rawSignal("r1", bytes("{\"promiseId\":\"" + task.get("taskId").asText() + "\",\"data\":" + data + "}"));
  }

  private void fail(JsonNode task, String type, boolean nonRetryable) {
    harness.rawSignal("r1", bytes("{\"promiseId\":\"" + task.get("taskId").asText() + "\",\"error\":{\"type\":\"" + type
        + "\",\"message\":\"it broke\",\"nonRetryable\":" + nonRetryable + "}}"));
  }

  private void heartbeat(JsonNode task) {
    harness.rawSignal("r1", bytes("{\"promiseId\":\"" + task.get("taskId").asText() + "\",\"heartbeat\":true}"));
  }

  private String output() {
    var results = harness.results();
    assertThat(results).hasSize(1);
    return PayloadCodec.decode(results.get(0).getOutput(), String.class);
  }

  private static JsonNode json(byte[] value) {
    try {
      return PayloadCodec.json().readTree(value);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
