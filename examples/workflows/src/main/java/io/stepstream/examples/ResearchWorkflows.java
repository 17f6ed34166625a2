package io.stepstream.examples;

import io.stepstream.DurableFuture;
import io.stepstream.RetryPolicy;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Fan-out/fan-in, the Azure Durable Functions {@code task_all} example as an agent: plan N research
 * queries, run them in parallel (each a durable branch, journaled and retried on its own), then
 * synthesize one report from all findings. A crash in the middle repeats only the searches that
 * had not finished; a replay returns the recorded findings without searching again.
 *
 * <p>The "search engine" and the "LLM" are simulated (a short sleep, like a remote call) so the
 * example needs no network.
 */
public final class ResearchWorkflows implements WorkflowRegistrar {
  public static final String RESEARCH = "research-fanout";

  /** What to research and how many queries to run in parallel. */
  public record Question(String topic, int queries) {}

  /** One search's result. */
  public record Finding(String query, String summary, int relevance) {}

  /** The synthesized answer, with the findings it was built from. */
  public record Report(String topic, String synthesis, List<Finding> findings) {}

  private static final StepOptions SEARCH = StepOptions.retry(RetryPolicy.builder().maximumAttempts(4).build());

  /** Plan, fan out, fan in, synthesize. */
  public static final Workflow<Question, Report> RESEARCH_WORKFLOW =
      (ctx, question) -> {
        List<String> queries = ctx.step("plan", new io.stepstream.TypeRef<List<String>>() {}, s -> plan(question));
        List<DurableFuture<Finding>> searches = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
          String query = queries.get(i);
          searches.add(ctx.stepAsync("search-" + i, Finding.class, SEARCH, s -> search(query)));
        }
        List<Finding> findings = ctx.all(searches);
        ctx.logger().info("research on {}: {} findings", question.topic(), findings.size());
        String synthesis = ctx.step("synthesize", String.class, s -> synthesize(question.topic(), findings));
        return new Report(question.topic(), synthesis, findings);
      };

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows.register(RESEARCH, Question.class, RESEARCH_WORKFLOW);
  }

  static List<String> plan(Question q) {
    List<String> queries = new ArrayList<>();
    String[] angles = {"history", "current state", "open problems", "key people", "costs", "risks", "alternatives", "outlook"};
    for (int i = 0; i < Math.max(1, q.queries()); i++) {
      queries.add(q.topic() + " " + angles[i % angles.length] + (i >= angles.length ? " " + (i / angles.length + 1) : ""));
    }
    return queries;
  }

  static Finding search(String query) throws InterruptedException {
    Thread.sleep(50); // a remote search call
    int relevance = Math.abs(query.hashCode() % 100);
    return new Finding(query, "what the sources say about " + query.toLowerCase(Locale.ROOT), relevance);
  }

  static String synthesize(String topic, List<Finding> findings) {
    List<Finding> ranked = new ArrayList<>(findings);
    ranked.sort(Comparator.comparingInt(Finding::relevance).reversed());
    return "On " + topic + ", drawing on " + findings.size() + " searches, most of all: " + ranked.get(0).query();
  }
}
