package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.ApprovalRequest;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.Workflow;
import io.stepstream.WorkflowContext;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changing workflow code while runs are in flight: runs parked on an approval under v1, the engine
 * stopped and started again with v2 code (a step added before the approval, a changed step after
 * it, both behind ctx.version markers), every run finishes: the old ones on the path they started
 * on up to the approval, the new ones on the new path throughout.
 */
@Timeout(180)
class VersioningIT {
  @TempDir static Path dir;

  /** What each step body ran, per run: nothing runs twice, nothing of v2's added step runs for old runs. */
  static final ConcurrentHashMap<String, List<String>> EXECUTED = new ConcurrentHashMap<>();

  static void executed(String runId, String step) {
    EXECUTED.computeIfAbsent(runId, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(step);
  }

  static final Workflow<String, String> V1 =
      (ctx, ticket) -> {
        // nondeterministic on purpose: a replay that ran it again would change the result
        int score = ctx.step("score", Integer.class, s -> { executed(s.runId(), "score"); return ThreadLocalRandom.current().nextInt(1000); });
        ctx.awaitApproval("review", ApprovalRequest.of("Answer " + ticket + "?"), Duration.ofHours(1));
        String answer = ctx.step("answer", String.class, s -> { executed(s.runId(), "answer"); return "v1 answer"; });
        return ticket + "|" + score + "|" + answer;
      };

  static final Workflow<String, String> V2 =
      (ctx, ticket) -> {
        int score = ctx.step("score", Integer.class, s -> { executed(s.runId(), "score"); return ThreadLocalRandom.current().nextInt(1000); });
        String fraud = "";
        if (ctx.version("fraud-check", WorkflowContext.DEFAULT_VERSION, 1) >= 1) {
          fraud = ctx.step("fraud-check", String.class, s -> { executed(s.runId(), "fraud-check"); return "|fraud-checked"; });
        }
        ctx.awaitApproval("review", ApprovalRequest.of("Answer " + ticket + "?"), Duration.ofHours(1));
        String answer;
        if (ctx.version("polite-answer", WorkflowContext.DEFAULT_VERSION, 1) >= 1) {
          answer = ctx.step("polite-answer", String.class, s -> { executed(s.runId(), "polite-answer"); return "v2 answer"; });
        } else {
          answer = ctx.step("answer", String.class, s -> { executed(s.runId(), "answer"); return "v1 answer"; });
        }
        return ticket + "|" + score + fraud + "|" + answer;
      };

  private static Stepstream engine(EmbeddedKafka kafka, Workflow<String, String> code) {
    return Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix("ver")
        .applicationId("ver-engine")
        .stateDir(dir.resolve("state"))
        .partitions(3)
        .approvalSecret("versioning-test-secret")
        .register("ticket", String.class, code)
        .build()
        .start();
  }

  @Test
  void runsParkedOnV1FinishCorrectlyAfterTheEngineRestartsWithV2() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      List<String> old = List.of("old-1", "old-2", "old-3", "old-4", "old-5");
      try (Stepstream v1 = engine(kafka, V1)) {
        WorkflowClient client = v1.client();
        old.forEach(id -> client.start("ticket", id, "t-" + id));
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pendingApprovals(Duration.ofSeconds(5)).size() == old.size());
      }
      old.forEach(id -> assertThat(EXECUTED.get(id)).containsExactly("score"));

      try (Stepstream v2 = engine(kafka, V2)) {
        WorkflowClient client = v2.client();
        List<String> fresh = List.of("new-1", "new-2");
        fresh.forEach(id -> client.start("ticket", id, "t-" + id));
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pendingApprovals(Duration.ofSeconds(5)).size() == old.size() + fresh.size());
        for (String id : concat(old, fresh)) {
          client.approve(id, "review", "alice", "fine");
        }

        for (String id : old) {
          RunResult result = client.awaitResult(id, Duration.ofSeconds(60));
          assertThat(result.status()).as(id).isEqualTo(RunStatus.COMPLETED);
          String[] parts = result.output(String.class).split("\\|");
          // the v1 path up to the approval (no fraud check), the v2 path after it: it reached that point under v2
          assertThat(parts).as(id).hasSize(3);
          assertThat(parts[0]).isEqualTo("t-" + id);
          assertThat(parts[2]).isEqualTo("v2 answer");
          assertThat(EXECUTED.get(id)).as(id).containsExactly("score", "polite-answer");
          assertThat(Integer.parseInt(parts[1])).isBetween(0, 999);
        }
        for (String id : fresh) {
          RunResult result = client.awaitResult(id, Duration.ofSeconds(60));
          assertThat(result.status()).as(id).isEqualTo(RunStatus.COMPLETED);
          assertThat(result.output(String.class)).as(id).startsWith("t-" + id + "|").endsWith("|fraud-checked|v2 answer");
          assertThat(EXECUTED.get(id)).as(id).containsExactly("score", "fraud-check", "polite-answer");
        }
      }
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
