package io.stepstream.examples;

import io.stepstream.DurablePromise;
import io.stepstream.PromiseFailedException;
import io.stepstream.PromiseTimeoutException;
import io.stepstream.Workflow;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import java.time.Duration;

/**
 * A document review handed to people outside the engine, the Step Functions task-token pattern: the
 * agent summarizes a document, sends a review task carrying a durable promise's id to a Kafka topic
 * of yours (exactly once, with the step), and waits up to three days, parked, for whoever reviews it
 * to complete the promise, from any language: a record on the signals topic, {@code
 * WorkflowClient.completePromise}, or {@code stepstream promise complete <id>}. The outcome goes to
 * another topic of yours, exactly once.
 *
 * <p>It emits to two topics the engine must declare, so it is not in this jar's service list (the
 * demo engine declares none); embed it:
 *
 * <pre>{@code
 * Stepstream.builder().register(new ReviewWorkflows())
 *     .emitTopics(ReviewWorkflows.REVIEW_TASKS, ReviewWorkflows.REVIEW_OUTCOMES)   // topics you created
 *     ...
 * }</pre>
 */
public final class ReviewWorkflows implements WorkflowRegistrar {
  public static final String REVIEW = "document-review";
  /** Where review tasks go (key: the document id); reviewers consume it. */
  public static final String REVIEW_TASKS = "review-tasks";
  /** Where review outcomes go (key: the document id). */
  public static final String REVIEW_OUTCOMES = "review-outcomes";

  /** A document to review. */
  public record Document(String id, String title, String text) {}

  /** The task a reviewer receives: complete {@code promiseId} with a {@link Verdict}. */
  public record ReviewTask(String documentId, String title, String summary, String promiseId) {}

  /** What the reviewer decided. */
  public record Verdict(boolean approved, String notes) {}

  /** How the review ended. */
  public record Outcome(String documentId, String status, String notes) {}

  /** Summarize, hand out the task with the promise's id, wait for the verdict, publish the outcome. */
  public static final Workflow<Document, Outcome> REVIEW_WORKFLOW =
      (ctx, doc) -> {
        String summary = ctx.step("summarize", String.class, s -> summarize(doc));
        DurablePromise<Verdict> review = ctx.promise("review", Verdict.class);
        // the task is written with this step's success, once: a retry or a crash does not send it twice
        ctx.run("send-review-task", s -> s.emit(REVIEW_TASKS, doc.id(), new ReviewTask(doc.id(), doc.title(), summary, review.id())));
        Outcome outcome;
        try {
          Verdict verdict = review.get(Duration.ofDays(3));
          outcome = new Outcome(doc.id(), verdict.approved() ? "PUBLISHED" : "RETURNED", verdict.notes());
        } catch (PromiseTimeoutException e) {
          outcome = new Outcome(doc.id(), "EXPIRED", "nobody reviewed it within 3 days");
        } catch (PromiseFailedException e) {
          outcome = new Outcome(doc.id(), "NOT_REVIEWED", e.errorType() + ": " + e.errorMessage());
        }
        ctx.emit(REVIEW_OUTCOMES, doc.id(), outcome);
        ctx.logger().info("review of {} ended {}", doc.id(), outcome.status());
        return outcome;
      };

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows.register(REVIEW, Document.class, REVIEW_WORKFLOW);
  }

  static String summarize(Document doc) throws InterruptedException {
    Thread.sleep(20); // an LLM call
    String text = doc.text();
    return doc.title() + ": " + (text.length() <= 60 ? text : text.substring(0, 57) + "...");
  }
}
