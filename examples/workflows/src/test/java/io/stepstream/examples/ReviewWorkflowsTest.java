package io.stepstream.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunStatus;
import io.stepstream.examples.ReviewWorkflows.Document;
import io.stepstream.examples.ReviewWorkflows.Outcome;
import io.stepstream.examples.ReviewWorkflows.Verdict;
import io.stepstream.testkit.EmittedRecord;
import io.stepstream.testkit.WorkflowTestEnvironment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The task-token review: the task goes out once with the promise's id; whoever holds it settles the review. */
@Timeout(60)
class ReviewWorkflowsTest {
  private static final Document DOC = new Document("doc-1", "Q3 pricing", "We raise the starter plan to 12 EUR and keep the others.");

  private static WorkflowTestEnvironment env() {
    return WorkflowTestEnvironment.builder()
        .register(new ReviewWorkflows())
        .emitTopics(ReviewWorkflows.REVIEW_TASKS, ReviewWorkflows.REVIEW_OUTCOMES)
        .build();
  }

  /** What a reviewer service does: read the task from the topic, take the promise id out of it. */
  private static String promiseIdOfTheTask(WorkflowTestEnvironment env) {
    List<EmittedRecord> tasks = env.emitted(ReviewWorkflows.REVIEW_TASKS);
    assertThat(tasks).hasSize(1);
    String json = tasks.get(0).valueText();
    return json.replaceAll(".*\"promiseId\":\"([^\"]+)\".*", "$1");
  }

  @Test
  void theReviewerCompletesThePromiseFromTheTaskAndTheOutcomeIsEmittedOnce() {
    try (var env = env()) {
      String runId = env.start(ReviewWorkflows.REVIEW, DOC);
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      EmittedRecord task = env.emitted(ReviewWorkflows.REVIEW_TASKS).get(0);
      assertThat(task.key()).isEqualTo("doc-1");
      assertThat(task.runId()).isEqualTo(runId);
      assertThat(task.valueText()).contains("\"summary\":\"Q3 pricing: We raise the starter plan").contains("\"promiseId\":\"prm_");

      env.completePromise(promiseIdOfTheTask(env), new Verdict(true, "clear"));

      assertThat(env.result(runId).output(Outcome.class)).isEqualTo(new Outcome("doc-1", "PUBLISHED", "clear"));
      assertThat(env.emitted(ReviewWorkflows.REVIEW_OUTCOMES)).extracting(EmittedRecord::valueText)
          .containsExactly("{\"documentId\":\"doc-1\",\"status\":\"PUBLISHED\",\"notes\":\"clear\"}");
      assertThat(env.emitted(ReviewWorkflows.REVIEW_TASKS)).as("the task went out once").hasSize(1);
    }
  }

  @Test
  void aReviewNobodyCompletesExpiresAfterThreeDaysAndALateVerdictChangesNothing() {
    try (var env = env()) {
      String runId = env.start(ReviewWorkflows.REVIEW, DOC);
      String promiseId = promiseIdOfTheTask(env);

      env.advanceTime(Duration.ofDays(3));
      env.completePromise(promiseId, new Verdict(true, "too late"));

      assertThat(env.result(runId).output(Outcome.class).status()).isEqualTo("EXPIRED");
      assertThat(env.emitted(ReviewWorkflows.REVIEW_OUTCOMES)).hasSize(1);
    }
  }

  @Test
  void aReviewerWhoCannotReviewFailsThePromiseAndTheWorkflowRecordsWhy() {
    try (var env = env()) {
      String runId = env.start(ReviewWorkflows.REVIEW, DOC);

      env.failPromise(promiseIdOfTheTask(env), "REVIEWER_UNAVAILABLE", "on leave until May");

      assertThat(env.result(runId).output(Outcome.class))
          .isEqualTo(new Outcome("doc-1", "NOT_REVIEWED", "REVIEWER_UNAVAILABLE: on leave until May"));
    }
  }
}
