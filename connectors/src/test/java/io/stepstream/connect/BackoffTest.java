package io.stepstream.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.internal.connect.Backoff;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BackoffTest {
  @Test
  void theWaitDoublesFromTheInitialBackoffUpToTheMaximum() {
    Backoff backoff = new Backoff(5, 1000, 5000);

    assertThat(backoff.delayAfter(1)).isEqualTo(1000);
    assertThat(backoff.delayAfter(2)).isEqualTo(2000);
    assertThat(backoff.delayAfter(3)).isEqualTo(4000);
    assertThat(backoff.delayAfter(4)).isEqualTo(5000);
    assertThat(backoff.delayAfter(60)).as("no overflow").isEqualTo(5000);
  }

  @Test
  void retriesCountTheTriesAfterTheFirst() {
    Backoff backoff = new Backoff(2, 1, 1);

    assertThat(backoff.exhausted(2)).isFalse();
    assertThat(backoff.exhausted(3)).isTrue();
    assertThat(new Backoff(0, 1, 1).exhausted(1)).as("no retries: the first failure is the last").isTrue();
  }
}
