package io.stepstream.internal.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.Workflow;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.testing.RecordingPublisher;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs one execution of a workflow against a given journal, without Kafka, and keeps what it published. */
final class ExecutionFixture {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  final RecordingPublisher publisher = new RecordingPublisher();
  private RetryPolicy retry = RetryPolicy.noRetries();
  private Clock clock = CLOCK;
  private ExecutionTelemetry telemetry = ExecutionTelemetry.NONE;
  private Map<String, String> traceHeaders;
  private int maxParallelSteps = Execution.DEFAULT_MAX_PARALLEL_STEPS;
  private EmitTopics emitTopics = EmitTopics.none();

  ExecutionFixture emitTopics(String... topics) {
    this.emitTopics = EmitTopics.of(List.of(topics));
    return this;
  }

  ExecutionFixture maxParallelSteps(int n) {
    this.maxParallelSteps = n;
    return this;
  }

  ExecutionFixture telemetry(ExecutionTelemetry telemetry) {
    this.telemetry = telemetry;
    return this;
  }

  /** The run's W3C trace context, as the orchestrator would hand it over. */
  ExecutionFixture traceHeaders(Map<String, String> headers) {
    this.traceHeaders = headers;
    return this;
  }

  ExecutionFixture retry(RetryPolicy policy) {
    this.retry = policy;
    return this;
  }

  ExecutionFixture clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** Runs to the end of the execution (it must finish with a completion) and returns what it published. */
  List<StepOutcome> run(Workflow<String, ?> workflow, Map<String, JournalEntry> journal) {
    return run(String.class, workflow, PayloadCodec.encode("ada"), journal);
  }

  <I> List<StepOutcome> run(Class<I> inputType, Workflow<I, ?> workflow, Payload input, Map<String, JournalEntry> journal) {
    boolean[] finished = new boolean[1];
    execution(inputType, workflow, input, journal, (e, done) -> finished[0] = done).run();
    assertThat(finished[0]).as("the execution ended with a completion").isTrue();
    return publisher.drain();
  }

  <I> Execution execution(Class<I> inputType, Workflow<I, ?> workflow, Payload input, Map<String, JournalEntry> journal, ExecutionListener listener) {
    var registry = new WorkflowRegistry().register("wf", inputType, workflow, retry);
    var request = new ExecutionRequest("run-1", "wf", 1, input, journal).withTraceHeaders(traceHeaders);
    return new Execution(request, registry.find("wf").orElseThrow(), publisher, listener, clock, telemetry, emitTopics, maxParallelSteps);
  }

  static StepOutcome last(List<StepOutcome> outcomes) {
    return outcomes.get(outcomes.size() - 1);
  }

  /** The journal as the orchestrator would hold it after applying these outcomes. */
  static Map<String, JournalEntry> journalOf(List<StepOutcome> outcomes) {
    Map<String, JournalEntry> journal = new HashMap<>();
    outcomes.forEach(o -> o.getEntries().forEach(e -> journal.putIfAbsent(e.getName(), e)));
    return journal;
  }

  static Map<String, JournalEntry> plus(Map<String, JournalEntry> journal, List<StepOutcome> outcomes) {
    Map<String, JournalEntry> merged = new HashMap<>(journal);
    journalOf(outcomes).forEach(merged::putIfAbsent);
    return merged;
  }
}
