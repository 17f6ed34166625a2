package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Budget;
import io.stepstream.BudgetExceededException;
import io.stepstream.RunStatus;
import io.stepstream.StepOptions;
import io.stepstream.Usage;
import io.stepstream.engine.Limiter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Limiters and key budgets declared on the test environment behave as on an engine, in virtual time. */
@Timeout(60)
class FlowControlInTestEnvironmentTest {

  @Test
  void aRateLimitedStepWaitsInVirtualTimeUntilItsLimiterLetsItThrough() {
    try (WorkflowTestEnvironment env = WorkflowTestEnvironment.builder()
        .limiter(Limiter.named("llm").requestsPerSecond(1))
        .register("ask", String.class, (ctx, q) ->
            ctx.step("call", String.class, StepOptions.defaults().withLimiter("llm"), s -> "answer to " + q))
        .build()) {
      String first = env.start("ask", "a");
      String second = env.start("ask", "b");
      assertThat(env.status(first)).isEqualTo(RunStatus.COMPLETED);
      assertThat(env.status(second)).isEqualTo(RunStatus.WAITING);
      env.advanceTime(Duration.ofMillis(1_100));
      assertThat(env.status(second)).isEqualTo(RunStatus.COMPLETED);
      assertThat(env.result(second).output(String.class)).isEqualTo("answer to b");
    }
  }

  @Test
  void aSpentKeyBudgetRefusesTheStepAndTheWorkflowCatchesIt() {
    try (WorkflowTestEnvironment env = WorkflowTestEnvironment.builder()
        .keyBudget("tenant:", Budget.ofTokens(100))
        .register("ask", String.class, (ctx, tenant) -> {
          try {
            return ctx.step("call", String.class, StepOptions.defaults().withBudgetKey("tenant:" + tenant), s -> {
              s.reportUsage(Usage.tokens(80, 40));
              return "answered";
            });
          } catch (BudgetExceededException e) {
            return "refused: " + e.budgetKey();
          }
        })
        .build()) {
      assertThat(env.result(env.start("ask", "acme")).output(String.class)).isEqualTo("answered");
      assertThat(env.result(env.start("ask", "acme")).output(String.class)).isEqualTo("refused: tenant:acme");
      assertThat(env.result(env.start("ask", "globex")).output(String.class)).isEqualTo("answered");
    }
  }
}
