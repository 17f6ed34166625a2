package io.stepstream.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.Budget;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Declaring limiters and key budgets: what is refused at once, and what the engine is told. */
@Timeout(10)
class LimiterDeclarationTest {

  @Test
  void aLimiterKeepsWhatItWasGivenAndRequestsPerSecondIsSixtyPerMinute() {
    Limiter l = Limiter.named("openai").maxConcurrent(8).requestsPerSecond(50).tokensPerMinute(30_000).lease(Duration.ofMinutes(2));
    assertThat(l.maxConcurrent()).isEqualTo(8);
    assertThat(l.requestsPerMinute()).isEqualTo(3_000.0);
    assertThat(l.tokensPerMinute()).isEqualTo(30_000);
    assertThat(l.lease()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void badNamesAndLimitsAreRefusedNamingTheLimiter() {
    assertThatThrownBy(() -> Limiter.named("$budget:x")).hasMessageContaining("must not start with '$'");
    assertThatThrownBy(() -> Limiter.named("a|b")).hasMessageContaining("'|'");
    assertThatThrownBy(() -> Limiter.named(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Limiter.named("gpt").maxConcurrent(0)).hasMessageContaining("'gpt'").hasMessageContaining("at least 1");
    assertThatThrownBy(() -> Limiter.named("gpt").requestsPerMinute(0)).hasMessageContaining("positive");
    assertThatThrownBy(() -> Limiter.named("gpt").lease(Duration.ZERO)).hasMessageContaining("lease");
  }

  @Test
  void aLimiterOrAKeyBudgetDeclaredTwiceIsRefused() {
    var builder = Stepstream.builder().limiter(Limiter.named("gpt").maxConcurrent(1)).keyBudget("tenant:", Budget.ofTokens(10));
    assertThatThrownBy(() -> builder.limiter(Limiter.named("gpt").maxConcurrent(2))).hasMessageContaining("'gpt' is declared twice");
    assertThatThrownBy(() -> builder.keyBudget("tenant:", Budget.ofCost(1))).hasMessageContaining("'tenant:' is declared twice");
    assertThatThrownBy(() -> builder.keyBudget("t:", Budget.ofCost(1), Duration.ZERO)).hasMessageContaining("period");
  }

  @Test
  void theEngineIsToldTheDeclaredLimitersAndTheLongestKeyPrefixWins() {
    var flow = Stepstream.builder()
        .limiter(Limiter.named("gpt").maxConcurrent(2))
        .keyBudget("tenant:", Budget.ofTokens(10))
        .keyBudget("tenant:vip-", Budget.ofTokens(1_000), Duration.ofDays(1))
        .flowControl();
    assertThat(flow.limiterNames()).containsExactly("gpt");
    assertThat(flow.limiter("gpt").maxConcurrent()).isEqualTo(2);
    assertThat(flow.budgetFor("tenant:acme").maxTokens()).isEqualTo(10);
    assertThat(flow.budgetFor("tenant:vip-acme").maxTokens()).isEqualTo(1_000);
    assertThat(flow.budgetFor("tenant:vip-acme").periodMs()).isEqualTo(Duration.ofDays(1).toMillis());
    assertThat(flow.budgetFor("session:1")).isNull();
  }
}
