package io.stepstream.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.examples.ResearchWorkflows.Finding;
import io.stepstream.examples.ResearchWorkflows.Question;
import io.stepstream.examples.ResearchWorkflows.Report;
import io.stepstream.testkit.JournalRecord;
import io.stepstream.testkit.WorkflowReplayer;
import io.stepstream.testkit.WorkflowTestEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The research agent's fan-out/fan-in in the test kit: every search a journaled branch, fan-in in plan order, replayable. */
@Timeout(60)
class ResearchWorkflowsTest {

  @Test
  void eightSearchesRunAsBranchesAndTheReportKeepsThePlansOrder() {
    try (var env = WorkflowTestEnvironment.of(new ResearchWorkflows())) {
      String runId = env.start(ResearchWorkflows.RESEARCH, new Question("vector databases", 8));

      Report report = env.result(runId).output(Report.class);
      assertThat(report.findings()).extracting(Finding::query).containsExactly(
          "vector databases history", "vector databases current state", "vector databases open problems", "vector databases key people",
          "vector databases costs", "vector databases risks", "vector databases alternatives", "vector databases outlook");
      assertThat(report.synthesis()).startsWith("On vector databases, drawing on 8 searches, most of all: vector databases");
      assertThat(env.journal(runId)).extracting(JournalRecord::name)
          .contains("plan", "search-0", "search-7", "synthesize")
          .filteredOn(n -> n.startsWith("search-")).hasSize(8);

      // the recorded history replays against the current code without searching again
      WorkflowReplayer.builder().register(new ResearchWorkflows()).build().replay(env.history(runId)).assertDeterministic();
    }
  }
}
