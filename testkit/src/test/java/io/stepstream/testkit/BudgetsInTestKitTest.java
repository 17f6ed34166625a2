package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Budget;
import io.stepstream.BudgetExceededException;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Users test their budgets in the test kit: the refusal, the partial answer and the run's usage in its result. */
@Timeout(60)
class BudgetsInTestKitTest {
  @Test
  void aWorkflowStoppedByItsBudgetReturnsItsPartialAnswerWithTheRunsUsage() {
    try (var env = WorkflowTestEnvironment.builder()
        .register("summarize", String.class, Budget.ofCost(0.05).applyTo((ctx, text) -> {
          StringBuilder summary = new StringBuilder();
          try {
            for (int i = 1; i <= 5; i++) {
              summary.append(ctx.step("chunk-" + i, String.class, s -> {
                s.reportUsage(Usage.tokens(500, 50).withCost(0.02));
                return s.stepName() + " ";
              }));
            }
            return summary.toString().trim();
          } catch (BudgetExceededException e) {
            return summary + "(cut: " + e.step() + ")";
          }
        }))
        .build()) {
      String runId = env.start("summarize", "a long text");

      RunResult result = env.result(runId);

      assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(result.output(String.class)).isEqualTo("chunk-1 chunk-2 chunk-3 (cut: chunk-4)");
      assertThat(result.usage().inputTokens()).isEqualTo(1500);
      assertThat(result.usage().outputTokens()).isEqualTo(150);
      assertThat(result.usage().cost()).isCloseTo(0.06, org.assertj.core.data.Offset.offset(1e-9));
    }
  }
}
