package io.stepstream.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.stepstream.devkafka.EmbeddedKafka;

/** {@link TaskWorker} against a real broker, driven by hand-written task records (TASKS-PROTOCOL). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TaskWorkerIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  static Path dir;
  static EmbeddedKafka kafka;

  record Echo(String text) {}

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void a_task_result_is_published_as_the_data_of_its_task_id() throws Exception {
    try (TaskTopics topics = new TaskTopics(kafka.bootstrapServers(), 3);
       TaskWorker worker = topics.worker().concurrency(2)
           .handler((task, ctx) -> new Echo(task.input(Echo.class).text() + " from " + task.step() + "#" + task.attempt()))
           .build().start()) {
      String id = topics.send(topics.task("prm_ok", Map.of("text", "hi", "extra", 1), null, null));
      JsonNode outcome = awaitOutcome(topics, id);
      assertThat(outcome.get("promiseId").asText()).isEqualTo(id);
      assertThat(outcome.get("data").get("text").asText()).isEqualTo("hi from s#1");
      assertThat(outcome.has("error")).isFalse();
    }
  }

  @Test
  void an_exception_is_a_retryable_failure_named_after_its_class_and_a_non_retryable_one_says_so() throws Exception {
    try (TaskTopics topics = new TaskTopics(kafka.bootstrapServers(), 1);
       TaskWorker worker = topics.worker().handler((task, ctx) -> {
         if (task.taskId().endsWith("retry")) {
           throw new IllegalStateException("rate limited");
         }
         throw new NonRetryableTaskException("INVALID_DOCUMENT", "empty");
       }).build().start()) {
      String retry = topics.send(topics.task("prm_retry", Map.of(), null, null));
      String fatal = topics.send(topics.task("prm_fatal", Map.of(), null, null));

      JsonNode retryable = awaitOutcome(topics, retry).get("error");
      assertThat(retryable.get("type").asText()).isEqualTo("IllegalStateException");
      assertThat(retryable.get("message").asText()).isEqualTo("rate limited");
      assertThat(retryable.get("nonRetryable").asBoolean()).isFalse();

      JsonNode nonRetryable = awaitOutcome(topics, fatal).get("error");
      assertThat(nonRetryable.get("type").asText()).isEqualTo("INVALID_DOCUMENT");
      assertThat(nonRetryable.get("message").asText()).isEqualTo("empty");
      assertThat(nonRetryable.get("nonRetryable").asBoolean()).isTrue();
    }
  }

  @Test
  void heartbeats_are_sent_while_a_task_with_a_heartbeat_timeout_runs_and_none_without_one() throws Exception {
    try (TaskTopics topics = new TaskTopics(kafka.bootstrapServers(), 1);
       TaskWorker worker = topics.worker().handler((task, ctx) -> {
         if (task.heartbeatTimeout().isPresent()) {
           // returns only once the engine's side has seen two heartbeats of this task
           await().atMost(WAIT).until(() -> topics.heartbeatsOf(task.taskId()) >= 2);
         }
         return "done";
       }).build().start()) {
      String beating = topics.send(topics.task("prm_beat", Map.of(), System.currentTimeMillis() + 120_000, 300L));
      String quiet = topics.send(topics.task("prm_quiet", Map.of(), null, null));
      awaitOutcome(topics, beating);
      awaitOutcome(topics, quiet);
      assertThat(topics.heartbeatsOf(beating)).isGreaterThanOrEqualTo(2);
      assertThat(topics.heartbeatsOf(quiet)).isZero();
      assertThat(topics.signalsOf(beating).get(0).toString()).isEqualTo("{\"promiseId\":\"prm_beat\",\"heartbeat\":true}");
    }
  }

  @Test
  void a_task_past_its_deadline_an_undecodable_record_and_an_aborted_task_are_never_executed() throws Exception {
    Set<String> executed = ConcurrentHashMap.newKeySet();
    try (TaskTopics topics = new TaskTopics(kafka.bootstrapServers(), 1);
       TaskWorker worker = topics.worker().handler((task, ctx) -> {
         executed.add(task.taskId());
         return "ran";
       }).build().start()) {
      String late = topics.send(topics.task("prm_late", Map.of(), System.currentTimeMillis() - 1_000, null));
      topics.sendRaw("prm_garbage", "{not json".getBytes(StandardCharsets.UTF_8), true);
      topics.sendRaw("prm_garbage2", "{\"no\":\"taskId\"}".getBytes(StandardCharsets.UTF_8), true);
      topics.sendRaw("prm_aborted", TaskTopics.JSON.writeValueAsBytes(topics.task("prm_aborted", Map.of(), null, null)), false);
      // one partition: the share group hands records out in offset order, so this one comes after the others
      String after = topics.send(topics.task("prm_after", Map.of(), null, null));

      awaitOutcome(topics, after);
      assertThat(executed).containsExactly(after);
      assertThat(topics.outcomesOf(late)).isEmpty();
      assertThat(topics.outcomesOf("prm_garbage")).isEmpty();
      assertThat(topics.outcomesOf("prm_aborted")).isEmpty();
    }
  }

  @Test
  void two_workers_share_a_one_partition_queue_and_run_its_tasks_at_the_same_time() throws Exception {
    Map<String, String> ranOn = new ConcurrentHashMap<>();
    CountDownLatch bothBusy = new CountDownLatch(2);
    try (TaskTopics topics = new TaskTopics(kafka.bootstrapServers(), 1)) {
      TaskHandler handler = (task, ctx) -> {
        ranOn.put(task.taskId(), Thread.currentThread().getName());
        bothBusy.countDown();
        // holds its task until the other worker holds one too: a partition-bound group could never do this
        assertThat(bothBusy.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        return "ok";
      };
      try (TaskWorker a = topics.worker().name("worker-a").handler(handler).build().start();
         TaskWorker b = topics.worker().name("worker-b").handler(handler).build().start()) {
        List<String> ids = List.of(topics.send(topics.task("prm_1", 1, null, null)), topics.send(topics.task("prm_2", 2, null, null)),
            topics.send(topics.task("prm_3", 3, null, null)), topics.send(topics.task("prm_4", 4, null, null)));
        for (String id : ids) {
          assertThat(awaitOutcome(topics, id).get("data").asText()).isEqualTo("ok");
        }
        assertThat(ranOn.values()).anyMatch(t -> t.startsWith("worker-a-"));
        assertThat(ranOn.values()).anyMatch(t -> t.startsWith("worker-b-"));
      }
    }
  }

  @Test
  void a_task_running_longer_than_the_acquisition_lock_keeps_it_and_runs_once() throws Exception {
    java.util.List<String> ranOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (TaskTopics topics = new TaskTopics(kafka.bootstrapServers(), 1)) {
      String group = topics.prefix + ".workers." + topics.queue;
      try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.incrementalAlterConfigs(Map.of(new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.GROUP, group),
            List.of(new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("share.record.lock.duration.ms", "15000"),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
      }
      TaskHandler slow = (task, ctx) -> {
        ranOn.add(Thread.currentThread().getName());
        Thread.sleep(40_000); // well past the 15 s lock: without renewal the other worker would get it too
        return "done once";
      };
      try (TaskWorker a = topics.worker().name("worker-a").handler(slow).build().start();
           TaskWorker b = topics.worker().name("worker-b").handler(slow).build().start()) {
        String id = topics.send(topics.task("prm_long", 1, null, null));
        assertThat(awaitOutcome(topics, id).get("data").asText()).isEqualTo("done once");
        Thread.sleep(2_000); // a redelivery would have started by now
        assertThat(ranOn).as("executions of the task").hasSize(1);
      }
    }
  }

  @Test
  void a_cancel_notice_reaches_the_running_handler() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    try (TaskTopics topics = new TaskTopics(kafka.bootstrapServers(), 1);
       TaskWorker worker = topics.worker().handler((task, ctx) -> {
         started.countDown();
         await().atMost(WAIT).until(ctx::isCancelled);
         return "saw the cancel";
       }).build().start()) {
      String id = topics.send(topics.task("prm_cancelled", Map.of(), null, null));
      assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      topics.cancel(id);
      assertThat(awaitOutcome(topics, id).get("data").asText()).isEqualTo("saw the cancel");
    }
  }

  @Test
  void close_releases_a_running_task_to_another_worker_without_an_outcome() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    try (TaskTopics topics = new TaskTopics(kafka.bootstrapServers(), 1)) {
      TaskWorker first = topics.worker().name("first").handler((task, ctx) -> {
        started.countDown();
        Thread.sleep(Long.MAX_VALUE); // until close() interrupts it
        return "never";
      }).build().start();
      String id = topics.send(topics.task("prm_released", Map.of(), null, null));
      assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      first.close();
      assertThat(topics.outcomesOf(id)).isEmpty();
      try (TaskWorker second = topics.worker().name("second").handler((task, ctx) -> "second ran it").build().start()) {
        assertThat(awaitOutcome(topics, id).get("data").asText()).isEqualTo("second ran it");
      }
      assertThat(topics.outcomesOf(id)).hasSize(1);
    }
  }

  private static JsonNode awaitOutcome(TaskTopics topics, String taskId) {
    return await().atMost(WAIT).until(() -> topics.outcomesOf(taskId), list -> !list.isEmpty()).get(0);
  }
}
