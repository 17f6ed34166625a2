package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.stepstream.RetryPolicy;
import io.stepstream.RunStatus;
import io.stepstream.StepOptions;
import io.stepstream.client.StreamEvent;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A workflow's token stream in the test kit: what a follower would get, failed attempts and the run's end included. */
@Timeout(30)
class StreamedOutputTest {

  @Test
  void theStreamHoldsEachAttemptsChunksBetweenItsMarkersAndEndsWithTheRun() {
    try (WorkflowTestEnvironment env = WorkflowTestEnvironment.builder()
        .register("chat", String.class, (ctx, q) -> {
          String answer = ctx.step("answer", String.class,
              StepOptions.retry(RetryPolicy.builder().initialInterval(Duration.ofSeconds(5)).jitter(0).maximumAttempts(2).build()), s -> {
                s.publishPartial("Hel");
                if (s.attempt() == 1) {
                  throw new IOException("reset");
                }
                s.publishPartial("lo");
                return "Hello";
              });
          ctx.sleep("pause", Duration.ofMinutes(1)); // the run replays "answer" afterwards: nothing streams again
          return answer;
        })
        .build()) {
      env.start("chat", "run-1", "hi");
      env.advanceTime(Duration.ofMinutes(2));

      assertThat(env.result("run-1").status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(env.streamed("run-1"))
          .extracting(StreamEvent::kind, StreamEvent::attempt, StreamEvent::text, StreamEvent::status)
          .containsExactly(
              tuple(StreamEvent.Kind.BEGIN, 1, null, null),
              tuple(StreamEvent.Kind.CHUNK, 1, "Hel", null),
              tuple(StreamEvent.Kind.END, 1, null, "FAILED"),
              tuple(StreamEvent.Kind.BEGIN, 2, null, null),
              tuple(StreamEvent.Kind.CHUNK, 2, "Hel", null),
              tuple(StreamEvent.Kind.CHUNK, 2, "lo", null),
              tuple(StreamEvent.Kind.END, 2, null, "SUCCEEDED"),
              tuple(StreamEvent.Kind.RUN_END, 0, null, "COMPLETED"));
      assertThat(env.streamed("no-such-run")).isEmpty();
    }
  }
}
