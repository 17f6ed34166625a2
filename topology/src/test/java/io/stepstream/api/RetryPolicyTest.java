package io.stepstream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.NonRetryableStepException;
import io.stepstream.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void theDefaultsAreOneSecondDoublingToAMinuteThreeAttempts() {
    RetryPolicy p = RetryPolicy.DEFAULT;
    assertThat(p.initialInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.backoffCoefficient()).isEqualTo(2.0);
    assertThat(p.maximumInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(p.maximumAttempts()).isEqualTo(3);
    assertThat(p.jitter()).isEqualTo(0.2);
  }

  @Test
  void delaysGrowByTheCoefficientUpToTheMaximum() {
    RetryPolicy p = RetryPolicy.builder().initialInterval(Duration.ofSeconds(1)).backoffCoefficient(3).maximumInterval(Duration.ofSeconds(20)).jitter(0).build();
    assertThat(p.delayAfter(1, 0.5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.delayAfter(2, 0.5)).isEqualTo(Duration.ofSeconds(3));
    assertThat(p.delayAfter(3, 0.5)).isEqualTo(Duration.ofSeconds(9));
    assertThat(p.delayAfter(4, 0.5)).isEqualTo(Duration.ofSeconds(20));
    assertThat(p.delayAfter(40, 0.5)).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void jitterSpreadsEachDelayWithinItsFraction() {
    RetryPolicy p = RetryPolicy.builder().initialInterval(Duration.ofSeconds(10)).jitter(0.2).build();
    assertThat(p.delayAfter(1, 0.0)).isEqualTo(Duration.ofSeconds(8));
    assertThat(p.delayAfter(1, 0.5)).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.delayAfter(1, 0.999999)).isBetween(Duration.ofMillis(11_999), Duration.ofSeconds(12));
  }

  @Test
  void attemptsAreCountedIncludingTheFirstAndZeroMeansUnlimited() {
    RetryPolicy three = RetryPolicy.builder().maximumAttempts(3).build();
    assertThat(three.allowsRetry(2, "java.io.IOException")).isTrue();
    assertThat(three.allowsRetry(3, "java.io.IOException")).isFalse();
    assertThat(RetryPolicy.builder().maximumAttempts(0).build().allowsRetry(1_000, "x")).isTrue();
    assertThat(RetryPolicy.noRetries().allowsRetry(1, "x")).isFalse();
  }

  @Test
  void nonRetryableTypesAndTheMarkerStopRetrying() {
    RetryPolicy p = RetryPolicy.builder().maximumAttempts(0).nonRetryable(IllegalArgumentException.class).build();
    assertThat(p.allowsRetry(1, IllegalArgumentException.class.getName())).isFalse();
    assertThat(p.allowsRetry(1, NonRetryableStepException.class.getName())).isFalse();
    assertThat(p.allowsRetry(1, IllegalStateException.class.getName())).isTrue();
  }

  @Test
  void nonsenseSettingsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> RetryPolicy.builder().backoffCoefficient(0.5)).hasMessageContaining(">= 1.0");
    assertThatThrownBy(() -> RetryPolicy.builder().maximumAttempts(-1)).hasMessageContaining("0 = unlimited");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(2)).hasMessageContaining("[0, 1]");
  }
}
