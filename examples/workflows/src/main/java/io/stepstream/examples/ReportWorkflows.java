package io.stepstream.examples;

import io.stepstream.ChildOptions;
import io.stepstream.ChildWorkflowFailedException;
import io.stepstream.DurableFuture;
import io.stepstream.Workflow;
import io.stepstream.WorkflowFailure;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fan-out/fan-in with child workflows (the Azure Durable Functions fan-out example, ported): a
 * {@value #REPORT} run starts one {@value #TOPIC} child run per question, at most three at a time,
 * and writes a report from their findings. A question the researcher cannot answer fails its child;
 * the report names it instead of failing. Cancelling the report run cancels the children still
 * running.
 *
 * <pre>{@code
 * client.start("research-report", "report-1", new Questions(List.of("kafka streams", "avro", "raft")));
 * }</pre>
 */
public final class ReportWorkflows implements WorkflowRegistrar {
  public static final String REPORT = "research-report";
  public static final String TOPIC = "research-topic";

  /** The report's input. */
  public record Questions(List<String> questions) {}

  /** What one child found. */
  public record Finding(String question, String summary) {}

  /** The report: what was found and which questions could not be answered. */
  public record Report(List<Finding> findings, List<String> unanswered) {}

  /** One question, researched in a durable step (a search, an LLM call: simulated here). */
  public static final Workflow<String, Finding> TOPIC_WORKFLOW =
      (ctx, question) -> ctx.step("search", Finding.class, s -> research(question, s.idempotencyKey()));

  /** Fans out to one child per question (three at a time), then fans in. */
  public static final Workflow<Questions, Report> REPORT_WORKFLOW =
      (ctx, in) -> {
        ChildOptions threeAtATime = ChildOptions.defaults().maxActiveChildren(3);
        List<DurableFuture<Finding>> children = new ArrayList<>();
        for (int i = 0; i < in.questions().size(); i++) {
          children.add(ctx.startChild("topic-" + i, TOPIC, in.questions().get(i), Finding.class, threeAtATime));
        }
        List<Finding> findings = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
          try {
            findings.add(children.get(i).get());
          } catch (ChildWorkflowFailedException e) {
            unanswered.add(in.questions().get(i) + " (" + e.errorType() + ")");
          }
        }
        return new Report(findings, unanswered);
      };

  /** For {@link java.util.ServiceLoader}. */
  public ReportWorkflows() {}

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows.register(REPORT, Questions.class, REPORT_WORKFLOW).register(TOPIC, String.class, TOPIC_WORKFLOW);
  }

  static Finding research(String question, String requestId) {
    if (question.isBlank()) {
      throw WorkflowFailure.nonRetryable("EMPTY_QUESTION", "nothing to research");
    }
    return new Finding(question, "notes on " + question.toLowerCase(Locale.ROOT) + " (request " + requestId + ")");
  }
}
