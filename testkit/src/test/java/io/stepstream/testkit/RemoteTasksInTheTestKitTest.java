package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.RunStatus;
import io.stepstream.TaskOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A workflow calling a remote task, tested without a worker: the test answers the task records itself. */
@Timeout(60)
class RemoteTasksInTheTestKitTest {
  record Doc(String text) {}

  record Summary(String text, int words) {}

  private static final TaskOptions OPTIONS = TaskOptions.defaults().withTimeout(Duration.ofMinutes(1))
      .withHeartbeatTimeout(Duration.ofSeconds(20))
      .withRetry(RetryPolicy.builder().maximumAttempts(2).initialInterval(Duration.ofSeconds(1)).jitter(0).build());

  private final WorkflowTestEnvironment env = WorkflowTestEnvironment.builder()
      .taskQueues("llm-tasks")
      .register("summarize", Doc.class, (ctx, doc) -> ctx.task("summarize", "llm-tasks", doc, Summary.class, OPTIONS).text())
      .build();

  @Test
  void aTestAnswersTheTaskRecordAsAWorkerWould() {
    env.start("summarize", "r1", new Doc("to be or not to be"));

    EmittedRecord task = env.tasks("llm-tasks").get(0);
    assertThat(task.valueText()).contains("\"step\":\"summarize\"").contains("\"input\":{\"text\":\"to be or not to be\"}");
    env.failTask(task.key(), "RATE_LIMITED", "429", false);
    env.advanceTime(Duration.ofSeconds(2));

    EmittedRecord second = env.tasks("llm-tasks").get(1);
    assertThat(second.key()).isNotEqualTo(task.key());
    env.heartbeatTask(second.key());
    env.completeTask(second.key(), new Summary("hamlet", 6));

    assertThat(env.result("r1").status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(env.result("r1").output(String.class)).isEqualTo("hamlet");
  }

  @Test
  void aSilentWorkerTimesTheAttemptOutAndWorkersAreToldSo() {
    env.start("summarize", "r1", new Doc("x"));
    String first = env.tasks("llm-tasks").get(0).key();

    env.advanceTime(Duration.ofSeconds(21)); // no heartbeat within 20 s

    assertThat(env.taskCancels()).singleElement().satisfies(c -> {
      assertThat(c.key()).isEqualTo(first);
      assertThat(c.valueText()).contains("\"reason\":\"TIMED_OUT\"");
    });
  }
}
