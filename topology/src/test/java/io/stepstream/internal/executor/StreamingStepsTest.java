package io.stepstream.internal.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.stepstream.RetryPolicy;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.client.streams.StreamRecord;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.streams.RecordingStreamWriter;
import io.stepstream.testing.MutableClock;
import io.stepstream.testing.RecordingPublisher;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Partial output of step attempts (docs/streams.md), through real executions without Kafka. */
@Timeout(10)
class StreamingStepsTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final RecordingPublisher publisher = new RecordingPublisher();
  private final RecordingStreamWriter writer = new RecordingStreamWriter();
  private final AtomicInteger bodyRuns = new AtomicInteger();
  private final Map<String, JournalEntry> journal = new HashMap<>();

  /** Streams three tokens; the first attempt fails after two of them. */
  private final Workflow<String, String> answerThenSleep =
      (ctx, question) -> {
        String answer = ctx.step("answer", String.class,
            StepOptions.retry(RetryPolicy.builder().maximumAttempts(3).initialInterval(Duration.ofSeconds(1)).jitter(0).build()),
            s -> {
              bodyRuns.incrementAndGet();
              s.publishPartial("The ");
              s.publishPartial("answer");
              if (s.attempt() == 1) {
                throw new IOException("model connection reset");
              }
              s.publishPartial(" is 42");
              return "The answer is 42";
            });
        ctx.sleep("cool-down", Duration.ofMinutes(1));
        return answer + "!";
      };

  @Test
  void aFollowerCanTellTheFailedAttemptsChunksFromTheOnesThatCount() {
    StepOutcome first = execute("exec-1");
    clock.advance(Duration.ofSeconds(2)); // past the retry backoff
    execute("exec-2");

    assertThat(first.getCompletion().getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(writer.records())
        .extracting(StreamRecord::type, StreamRecord::attempt, StreamRecord::executionId, StreamRecord::seq, StreamRecord::text, StreamRecord::status)
        .containsExactly(
            tuple("begin", 1, "exec-1", 0L, null, null),
            tuple("chunk", 1, "exec-1", 1L, "The ", null),
            tuple("chunk", 1, "exec-1", 2L, "answer", null),
            tuple("end", 1, "exec-1", 3L, null, "FAILED"),
            tuple("begin", 2, "exec-2", 0L, null, null),
            tuple("chunk", 2, "exec-2", 1L, "The ", null),
            tuple("chunk", 2, "exec-2", 2L, "answer", null),
            tuple("chunk", 2, "exec-2", 3L, " is 42", null),
            tuple("end", 2, "exec-2", 4L, null, "SUCCEEDED"));
    assertThat(writer.records().get(3).error()).isEqualTo("IOException: model connection reset");
  }

  @Test
  void aReplayAfterTheStepCompletedUsesTheRecordedValueAndStreamsNothing() {
    execute("exec-1");
    clock.advance(Duration.ofSeconds(2));
    execute("exec-2"); // the step succeeds; the run sleeps
    int streamed = writer.records().size();
    int runs = bodyRuns.get();
    clock.advance(Duration.ofMinutes(2)); // the sleep is over: the run is dispatched again and replays "answer"

    StepOutcome last = execute("exec-3");

    assertThat(last.getCompletion().getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(last.getCompletion().getOutput(), String.class)).isEqualTo("The answer is 42!");
    assertThat(bodyRuns).hasValue(runs);
    assertThat(writer.records()).hasSize(streamed);
    assertThat(writer.records()).noneMatch(r -> "exec-3".equals(r.executionId()));
  }

  @Test
  void withoutAStreamWriterPartialOutputIsDroppedAndTheStepStillWorks() {
    Workflow<String, String> wf = (ctx, in) -> ctx.step("answer", String.class, s -> {
      s.publishPartial("tok");
      return "done";
    });
    var registry = new WorkflowRegistry().register("wf", String.class, wf, RetryPolicy.noRetries());
    var request = new ExecutionRequest("run-1", "wf", 1, "exec-1", PayloadCodec.encode("q"), Map.of(), false, null, null);
    new Execution(request, registry.find("wf").orElseThrow(), publisher, (e, f) -> {}, clock).run();

    assertThat(last(publisher.drain()).getCompletion().getStatus()).isEqualTo(RunStatus.COMPLETED);
  }

  /** One execution on the journal so far; what it publishes is added to the journal, as the orchestrator would. */
  private StepOutcome execute(String executionId) {
    var registry = new WorkflowRegistry().register("wf", String.class, answerThenSleep, RetryPolicy.noRetries());
    var request = new ExecutionRequest("run-1", "wf", 1, executionId, PayloadCodec.encode("q"), Map.copyOf(journal), false, null, null);
    new Execution(request, registry.find("wf").orElseThrow(), publisher, (e, f) -> {}, clock).withStreams(writer).run();
    List<StepOutcome> outcomes = publisher.drain();
    outcomes.forEach(o -> o.getEntries().forEach(e -> journal.put(e.getName(), e)));
    return last(outcomes);
  }

  private static StepOutcome last(List<StepOutcome> outcomes) {
    return outcomes.get(outcomes.size() - 1);
  }
}
