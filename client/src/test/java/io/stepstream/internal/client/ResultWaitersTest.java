package io.stepstream.internal.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ResultWaitersTest {
  private final ResultWaiters waiters = new ResultWaiters(2);

  @Test
  void aRunLeavesTheMapWhenItsLastHolderReleasesIt() {
    ResultWaiters.Hold handle = waiters.hold("r1");
    ResultWaiters.Hold await = waiters.hold("r1");

    waiters.release(await);
    assertThat(waiters.isWaiting("r1")).isTrue();
    waiters.release(handle);
    assertThat(waiters.size()).isZero();
  }

  @Test
  void onlyTheFirstHolderOfAnUnseenRunNeedsALookup() {
    assertThat(waiters.hold("r1").needsLookup()).isTrue();
    assertThat(waiters.hold("r1").needsLookup()).isFalse();
  }

  @Test
  void aResultDeliveredBeforeTheHoldAnswersItFromTheCache() {
    waiters.deliver(result("r1"));

    ResultWaiters.Hold hold = waiters.hold("r1");

    assertThat(hold.future()).isCompletedWithValueMatching(r -> r.runId().equals("r1"));
    assertThat(hold.needsLookup()).isFalse();
    assertThat(waiters.size()).isZero();
  }

  @Test
  void aResultEvictedFromTheCacheIsLookedUp() {
    waiters.deliver(result("r1"));
    waiters.deliver(result("r2"));
    waiters.deliver(result("r3"));

    assertThat(waiters.hold("r1").needsLookup()).isTrue();
  }

  @Test
  void aDeliveredResultCompletesEveryHolderAndLeavesNothingBehind() {
    ResultWaiters.Hold a = waiters.hold("r1");
    ResultWaiters.Hold b = waiters.hold("r1");

    waiters.deliver(result("r1"));
    waiters.release(b); // an await returning after the result: no effect

    assertThat(a.future()).isDone();
    assertThat(b.future()).isDone();
    assertThat(waiters.size()).isZero();
  }

  @Test
  void closingFailsEveryoneStillWaiting() {
    ResultWaiters.Hold hold = waiters.hold("r1");

    waiters.failAll("the WorkflowClient was closed");

    assertThat(hold.future()).isCompletedExceptionally();
    assertThat(waiters.size()).isZero();
  }

  private static RunResult result(String runId) {
    return new RunResult(runId, "w", RunStatus.COMPLETED, null, null, null, null, null, Instant.EPOCH, Instant.EPOCH);
  }
}
