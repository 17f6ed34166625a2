package io.stepstream.internal.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.client.streams.StreamRecord;
import io.stepstream.internal.client.streams.StreamRecords;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The orchestrator ends every run's token stream with one run-end record, whichever way the run ended. */
@Timeout(30)
class RunEndMarkerTest {
  private final OrchestratorHarness harness = new OrchestratorHarness(new WorkflowRegistry()
      .register("answer", String.class, (ctx, q) -> ctx.step("answer", String.class, s -> {
        s.publishPartial("4");
        return "42";
      }), RetryPolicy.noRetries())
      .register("napper", String.class, (ctx, q) -> {
        ctx.sleep("nap", Duration.ofHours(1));
        return "woke";
      }, RetryPolicy.noRetries()));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aCompletedRunsStreamEndsWithOneRunEndKeyedByItsRunId() {
    harness.request("r-1", "answer", "q");
    harness.settle();

    assertThat(harness.results()).extracting(r -> r.getStatus()).containsExactly(RunStatus.COMPLETED);
    List<TestRecord<String, byte[]>> records = harness.emitted(harness.topics.streams());
    assertThat(records).hasSize(1);
    assertThat(records.get(0).key()).isEqualTo("r-1");
    StreamRecord end = StreamRecords.decode(records.get(0).value());
    assertThat(end.type()).isEqualTo(StreamRecord.RUN_END);
    assertThat(end.runId()).isEqualTo("r-1");
    assertThat(end.status()).isEqualTo("COMPLETED");
  }

  @Test
  void aRunCancelledWhileWaitingEndsItsStreamToo() {
    harness.request("r-2", "napper", "q");
    harness.settle();
    assertThat(harness.emitted(harness.topics.streams())).isEmpty();

    harness.cancel("r-2", "not needed");
    harness.settle();

    assertThat(harness.emitted(harness.topics.streams())).extracting(r -> StreamRecords.decode(r.value()).status())
        .containsExactly("CANCELLED");
  }
}
