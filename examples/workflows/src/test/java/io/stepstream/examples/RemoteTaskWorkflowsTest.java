package io.stepstream.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunStatus;
import io.stepstream.examples.RemoteTaskWorkflows.Doc;
import io.stepstream.examples.RemoteTaskWorkflows.Result;
import io.stepstream.examples.RemoteTaskWorkflows.Summary;
import io.stepstream.examples.RemoteTaskWorkflows.WordCount;
import io.stepstream.testkit.EmittedRecord;
import io.stepstream.testkit.WorkflowTestEnvironment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The text-summary workflow without a worker: the test answers its task records as the Python or Node worker would. */
@Timeout(60)
class RemoteTaskWorkflowsTest {
  private static WorkflowTestEnvironment env() {
    return WorkflowTestEnvironment.builder().register(new RemoteTaskWorkflows()).taskQueues(RemoteTaskWorkflows.QUEUE).build();
  }

  @Test
  void theSummarizeStepGoesToTheQueueAndTheRunReturnsTheWorkersSummary() {
    try (var env = env()) {
      String runId = env.start(RemoteTaskWorkflows.TYPE, new Doc("doc-1", "to be or not to be", 2, null, null));
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);

      EmittedRecord task = single(env.tasks(RemoteTaskWorkflows.QUEUE));
      assertThat(task.valueText()).contains("\"input\":{\"text\":\"to be or not to be\",\"top\":2,\"failAttempts\":0}")
          .contains("\"maxAttempts\":" + RemoteTaskWorkflows.MAX_ATTEMPTS).contains("\"heartbeatTimeoutMs\":null");
      Summary summary = new Summary(6, List.of(new WordCount("be", 2), new WordCount("to", 2)), "test", 1, task.key(), 1);
      env.completeTask(task.key(), summary);

      assertThat(env.result(runId).output(Result.class)).isEqualTo(new Result("doc-1", summary));
    }
  }

  @Test
  void aFlakyWorkerIsRetriedWithANewTaskAndHeartbeatsAreAskedForWhenTheDocSaysSo() {
    try (var env = env()) {
      String runId = env.start(RemoteTaskWorkflows.TYPE, new Doc("doc-2", "x", 1, 1, 10));
      EmittedRecord first = single(env.tasks(RemoteTaskWorkflows.QUEUE));
      assertThat(first.valueText()).contains("\"heartbeatTimeoutMs\":10000");

      env.failTask(first.key(), "FLAKY_DEPENDENCY", "try again", false);
      env.advanceTime(Duration.ofSeconds(1));

      List<EmittedRecord> all = env.tasks(RemoteTaskWorkflows.QUEUE);
      assertThat(all).hasSize(2);
      assertThat(all.get(1).key()).isNotEqualTo(first.key());
      assertThat(all.get(1).valueText()).contains("\"attempt\":2");
      env.completeTask(all.get(1).key(), new Summary(1, List.of(new WordCount("x", 1)), "test", 1, all.get(1).key(), 2));
      assertThat(env.result(runId).output(Result.class).summary().attempt()).isEqualTo(2);
    }
  }

  private static EmittedRecord single(List<EmittedRecord> records) {
    assertThat(records).hasSize(1);
    return records.get(0);
  }
}
