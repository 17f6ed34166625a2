package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.RunResult;
import io.stepstream.client.WorkflowClient;
import io.stepstream.avro.AuditEventType;
import io.stepstream.RunStatus;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.it.TopicReader;
import io.stepstream.devkafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RELIABILITY.md invariant 1 (executor killed in the ambiguous window) and part of 2: an instance in
 * its own JVM is killed with SIGKILL while a step is in flight, then restarted; the run completes
 * with exactly one committed outcome per step and exactly one result.
 */
@Timeout(180)
class InstanceCrashIT {
  @TempDir Path dir;

  @Test
  void aRunSurvivesSigkillMidStepWithOneCommittedOutcomePerStepAndOneResult() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      String[] args = {bootstrap, dir.resolve("state").toString(), work.toString()};

      InstanceProcess first = InstanceProcess.start(CrashTestInstance.class, dir.resolve("first.log"), args);
      first.awaitOutput("INSTANCE_READY", Duration.ofSeconds(90));
      try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix("crash").build()) {
        client.start(CrashTestInstance.TYPE, "crash-1", "in");
        await().atMost(Duration.ofSeconds(60)).until(() -> effects(work).contains("slow-started crash-1/slow"));
        // make the window deterministic: step "one" is committed, step "slow" is in flight
        await().atMost(Duration.ofSeconds(30)).until(() -> committedSteps(bootstrap).containsKey("one"));

        first.killHard();
        Files.createFile(work.resolve("release"));

        try (InstanceProcess second = InstanceProcess.start(CrashTestInstance.class, dir.resolve("second.log"), args)) {
          second.awaitOutput("INSTANCE_READY", Duration.ofSeconds(90));
          RunResult result = client.awaitResult("crash-1", Duration.ofSeconds(90));
          assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
          assertThat(result.output(String.class)).isEqualTo("in:123");
        }
      }

      List<String> results =
          TopicReader.readAll(bootstrap, "crash.results").stream().map(r -> r.key()).collect(Collectors.toList());
      assertThat(results).containsExactly("crash-1");

      assertThat(committedSteps(bootstrap)).containsOnly(Map.entry("one", 1L), Map.entry("slow", 1L), Map.entry("three", 1L));

      Map<String, Long> effects =
          effects(work).lines().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(effects.get("one crash-1/one")).as("a published step is replayed, not executed again").isEqualTo(1L);
      assertThat(effects.get("slow-started crash-1/slow")).as("the in-flight step ran again, same key").isEqualTo(2L);
      assertThat(effects.get("slow crash-1/slow")).isEqualTo(1L);
      assertThat(effects.get("three crash-1/three")).isEqualTo(1L);
    }
  }

  @Test
  void aSleepAndARetryBackoffSurviveSigkillAndFireOnceAfterTheRestart() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.createFile(work.resolve("release"));
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      String[] args = {bootstrap, dir.resolve("state").toString(), work.toString()};
      InstanceProcess first = InstanceProcess.start(CrashTestInstance.class, dir.resolve("first.log"), args);
      first.awaitOutput("INSTANCE_READY", Duration.ofSeconds(90));
      try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix("crash").build()) {
        long started = System.currentTimeMillis();
        client.start(CrashTestInstance.SLEEPY, "sleepy-1", "in");
        client.start(CrashTestInstance.RETRYING, "retry-1", "in");
        // both runs are parked on durable timers (committed) before the kill
        await().atMost(Duration.ofSeconds(30)).until(() -> eventsOf(bootstrap, AuditEventType.RUN_WAITING).keySet().containsAll(java.util.Set.of("sleepy-1", "retry-1")));
        first.killHard();

        try (InstanceProcess second = InstanceProcess.start(CrashTestInstance.class, dir.resolve("second.log"), args)) {
          second.awaitOutput("INSTANCE_READY", Duration.ofSeconds(90));
          RunResult slept = client.awaitResult("sleepy-1", Duration.ofSeconds(90));
          RunResult retried = client.awaitResult("retry-1", Duration.ofSeconds(90));
          assertThat(slept.output(String.class)).isEqualTo("woke");
          assertThat(slept.finishedAt().toEpochMilli()).as("not before the sleep ended").isGreaterThanOrEqualTo(started + 4_000);
          assertThat(retried.output(String.class)).isEqualTo("ok after 3");
        }
      }
      assertThat(eventsOf(bootstrap, AuditEventType.TIMER_FIRED)).containsEntry("sleepy-1", 1L).containsEntry("retry-1", 2L);
      Map<String, Long> effects = effects(work).lines().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(effects)
          .as("attempt numbers continue across the restart; each attempt ran once")
          .containsEntry("flaky-attempt-1 retry-1/flaky", 1L)
          .containsEntry("flaky-attempt-2 retry-1/flaky", 1L)
          .containsEntry("flaky-attempt-3 retry-1/flaky", 1L)
          .containsEntry("after-nap sleepy-1/after-nap", 1L);
    }
  }

  @Test
  void aDecisionConsumedJustBeforeASigkillIsAppliedOnceAndTheRunFinishes() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      String[] args = {bootstrap, dir.resolve("state").toString(), work.toString()};
      InstanceProcess first = InstanceProcess.start(CrashTestInstance.class, dir.resolve("first.log"), args);
      first.awaitOutput("INSTANCE_READY", Duration.ofSeconds(90));
      try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix("crash").build()) {
        client.start(CrashTestInstance.APPROVE_THEN_SLOW, "ship-1", "in");
        await().atMost(Duration.ofSeconds(30)).until(() -> eventsOf(bootstrap, AuditEventType.APPROVAL_REQUESTED).containsKey("ship-1"));
        client.approve("ship-1", "ship-it", "alice", "go");
        await().atMost(Duration.ofSeconds(30)).until(() -> effects(work).contains("slow-after-approval-started"));
        first.killHard(); // the decision is consumed and the next step is in flight

        Files.createFile(work.resolve("release-approval"));
        try (InstanceProcess second = InstanceProcess.start(CrashTestInstance.class, dir.resolve("second.log"), args)) {
          second.awaitOutput("INSTANCE_READY", Duration.ofSeconds(90));
          assertThat(client.awaitResult("ship-1", Duration.ofSeconds(90)).output(String.class)).isEqualTo("alice:shipped");
        }
      }
      assertThat(eventsOf(bootstrap, AuditEventType.APPROVAL_DECIDED)).containsExactly(Map.entry("ship-1", 1L));
      assertThat(eventsOf(bootstrap, AuditEventType.DECISION_IGNORED)).isEmpty();
      assertThat(TopicReader.readAll(bootstrap, "crash.results")).hasSize(1);
      assertThat(effects(work).lines().filter(l -> l.startsWith("slow-after-approval ")).count()).isEqualTo(1);
    }
  }

  private static Map<String, Long> eventsOf(String bootstrap, AuditEventType type) {
    return TopicReader.readAll(bootstrap, "crash.events").stream()
        .map(r -> Envelopes.auditEvent(r.value()))
        .filter(e -> e.getType() == type)
        .collect(Collectors.groupingBy(e -> e.getRunId(), Collectors.counting()));
  }

  private static Map<String, Long> committedSteps(String bootstrap) {
    return TopicReader.readAll(bootstrap, "crash.events").stream()
        .map(r -> Envelopes.auditEvent(r.value()))
        .filter(e -> e.getType() == AuditEventType.STEP_COMPLETED)
        .collect(Collectors.groupingBy(e -> e.getStep(), Collectors.counting()));
  }

  private static String effects(Path work) throws Exception {
    Path log = work.resolve("effects.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }
}
