package io.stepstream.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.StepFailedException;
import io.stepstream.TaskOptions;
import io.stepstream.Workflow;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;

/**
 * End to end: workflows call {@code ctx.task} on an in-process engine, a {@link TaskWorker} executes the tasks,
 * both on a real broker.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RemoteTaskIT {

  private static final String PREFIX = "rt";
  private static final String QUEUE = "java-tasks";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final RetryPolicy THREE_TRIES = RetryPolicy.builder().maximumAttempts(3)
      .initialInterval(Duration.ofMillis(200)).backoffCoefficient(1).jitter(0).build();

  @TempDir
  static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;
  static TaskWorker worker;

  record Doc(String text) {}
  record Summary(String text, int attempt) {}

  /** Every attempt the worker saw, per run: "attempt:what happened". */
  static final Map<String, List<String>> attempts = new ConcurrentHashMap<>();

  static final Workflow<Doc, String> summarize = (ctx, doc) -> {
    try {
      Summary s = ctx.task("summarize", QUEUE, doc, Summary.class, TaskOptions.defaults().withRetry(THREE_TRIES));
      return s.text() + " @" + s.attempt();
    } catch (StepFailedException e) {
      return "failed " + e.errorType() + " after " + e.attempts() + ": " + e.errorMessage();
    }
  };

  /** A 2 s heartbeat timeout, a task that runs three times as long. */
  static final Workflow<Doc, String> beating = (ctx, doc) -> ctx.task("think", QUEUE, doc, Summary.class,
      TaskOptions.defaults().withTimeout(Duration.ofSeconds(60)).withHeartbeatTimeout(Duration.ofSeconds(2))
          .withRetry(RetryPolicy.noRetries())).text();

  /** Each attempt may run 5 s; the first overruns it. */
  static final Workflow<Doc, String> overrun = (ctx, doc) -> ctx.task("slow", QUEUE, doc, Summary.class,
      TaskOptions.defaults().withTimeout(Duration.ofSeconds(5)).withRetry(THREE_TRIES)).text();

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    engine = Stepstream.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX).stateDir(dir.resolve("state"))
        .partitions(2).taskQueues(QUEUE).approvalSecret("remote-task-it-secret-0123456789")
        .register("summarize", Doc.class, summarize).register("beating", Doc.class, beating).register("overrun", Doc.class, overrun)
        .build().start();
    worker = TaskWorker.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX).queue(QUEUE).concurrency(4)
        .handler(RemoteTaskIT::handle).build().start();
    // a new share-group member gets its first records only after the group assigned it partitions (up to the
    // share heartbeat interval, 5 s): one run first, so that every test's task is taken as soon as it is written
    assertThat(run("summarize", "warm-up", "warm-up").isCompleted()).isTrue();
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  /** What the input text asks for. */
  static Object handle(Task task, TaskContext ctx) throws Exception {
    List<String> log = attempts.computeIfAbsent(task.runId(), k -> new CopyOnWriteArrayList<>());
    String text = task.input(Doc.class).text();
    switch (text) {
      case "flaky" -> {
        if (task.attempt() == 1) {
          log.add("1:threw");
          throw new IllegalStateException("upstream busy");
        }
      }
      case "invalid" -> {
        log.add(task.attempt() + ":non-retryable");
        throw new NonRetryableTaskException("INVALID_DOCUMENT", "cannot summarize " + text);
      }
      case "long" -> Thread.sleep(task.heartbeatTimeout().orElseThrow().toMillis() * 3); // heartbeats keep it alive
      case "overrun" -> {
        if (task.attempt() == 1) {
          // holds the attempt past its 3 s timeout, until the engine's cancel notice arrives
          Awaitility.await().atMost(WAIT).until(ctx::isCancelled);
          log.add("1:cancelled");
          return new Summary("too late", 1);
        }
      }
      default -> { }
    }
    log.add(task.attempt() + ":ok");
    return new Summary("summary of " + text, task.attempt());
  }

  private static RunResult run(String workflow, String runId, String text) {
    engine.client().start(workflow, runId, new Doc(text));
    return engine.client().awaitResult(runId, WAIT);
  }

  @Test
  void the_run_goes_on_with_the_workers_value() {
    RunResult result = run("summarize", "ok-1", "a short text");
    assertThat(result.isCompleted()).isTrue();
    assertThat(result.output(String.class)).isEqualTo("summary of a short text @1");
    assertThat(attempts.get("ok-1")).containsExactly("1:ok");
  }

  @Test
  void a_retryable_failure_is_retried_as_a_new_attempt_that_succeeds() {
    RunResult result = run("summarize", "flaky-1", "flaky");
    assertThat(result.output(String.class)).isEqualTo("summary of flaky @2");
    assertThat(attempts.get("flaky-1")).containsExactly("1:threw", "2:ok");
  }

  @Test
  void a_non_retryable_failure_fails_the_step_after_one_attempt() {
    RunResult result = run("summarize", "invalid-1", "invalid");
    assertThat(result.output(String.class)).startsWith("failed INVALID_DOCUMENT after 1: cannot summarize invalid");
    assertThat(attempts.get("invalid-1")).containsExactly("1:non-retryable");
  }

  @Test
  void heartbeats_keep_a_task_alive_beyond_its_heartbeat_timeout() {
    RunResult result = run("beating", "long-1", "long");
    assertThat(result.isCompleted()).isTrue();
    assertThat(result.output(String.class)).isEqualTo("summary of long");
    assertThat(attempts.get("long-1")).containsExactly("1:ok");
  }

  @Test
  void a_timed_out_attempt_gets_a_cancel_notice_and_a_new_attempt_finishes_the_step() {
    RunResult result = run("overrun", "overrun-1", "overrun");
    assertThat(result.output(String.class)).isEqualTo("summary of overrun");
    Awaitility.await().atMost(WAIT).until(() -> attempts.get("overrun-1").contains("1:cancelled"));
    assertThat(attempts.get("overrun-1")).containsExactlyInAnyOrder("1:cancelled", "2:ok");
  }
}
