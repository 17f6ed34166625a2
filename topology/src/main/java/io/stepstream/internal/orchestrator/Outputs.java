package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.RunState;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.executor.RecordLimit;
import io.stepstream.internal.executor.TraceHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Everything the orchestrator writes; all of it inside the task's EOS transaction. */
final class Outputs {
  static final String ERROR_TYPE = "stepstream.error.type";
  static final String ERROR_MESSAGE = "stepstream.error.message";
  static final String ERROR_TOPIC = "stepstream.error.topic";
  static final String ERROR_PARTITION = "stepstream.error.partition";
  static final String ERROR_OFFSET = "stepstream.error.offset";
  static final String ERROR_RUN_ID = "stepstream.error.run-id";
  static final String ERROR_VALUE_OMITTED = "stepstream.error.value-omitted";
  /** Audit details and error messages are for people: long ones (stack traces, payload dumps) are cut. */
  static final int MAX_DETAIL_CHARS = 8_000;

  private java.util.function.Consumer<WorkflowResult> onResult = result -> {};
  private final ProcessorContext<String, byte[]> context;
  private final EngineMetrics metrics;
  private final CommitPacer pacer;
  private AuditFilter audit = AuditFilter.of(io.stepstream.engine.AuditLevel.FULL);
  private final RecordLimit recordLimit;
  private final RunTraces traces;
  private final OutputEncoders encoders;
  private final boolean stackTracesInResults;

  Outputs(ProcessorContext<String, byte[]> context, EngineMetrics metrics, CommitPacer pacer, RecordLimit recordLimit, RunTraces traces,
      OutputEncoders encoders, boolean stackTracesInResults) {
    this.encoders = encoders;
    this.stackTracesInResults = stackTracesInResults;
    this.traces = traces;
    this.recordLimit = recordLimit;
    this.context = context;
    this.metrics = metrics;
    this.pacer = pacer;
  }

  /** Which audit events reach the events topic (default: all). */
  Outputs withAuditLevel(io.stepstream.engine.AuditLevel level) {
    this.audit = AuditFilter.of(level);
    return this;
  }

  long now() {
    return context.currentSystemTimeMs();
  }

  /** Told of every result written (the run store keeps it for queries), whichever path ended the run. */
  void onResult(java.util.function.Consumer<WorkflowResult> listener) {
    this.onResult = this.onResult.andThen(listener);
  }

  /**
   * A result record about a run id no run has (a session message answered without running, ADR
   * 0017): written as {@link #result} writes it, but no listener hears of it (there is no run to
   * keep it in, nor to report to a parent or session).
   */
  void answer(WorkflowResult result) {
    metrics.runFinished(result.getStatus().name());
    Headers headers = traced(result.getRunId());
    forward(OrchestratorTopology.RESULTS_SINK, result.getRunId(), encoders.results().encode(result, headers), headers);
    commitEarlyIfIdle();
  }

  void result(WorkflowResult result) {
    metrics.runFinished(result.getStatus().name());
    if (!stackTracesInResults && result.getError() != null && result.getError().getStackTrace() != null) {
      // callers get type, message and details; the engine logged the stack trace when the run failed
      result.setError(io.stepstream.avro.ErrorInfo.newBuilder(result.getError()).setStackTrace(null).build());
    }
    Headers headers = traced(result.getRunId());
    forward(OrchestratorTopology.RESULTS_SINK, result.getRunId(), encoders.results().encode(result, headers), headers);
    // the end of the run's token stream (docs/streams.md), exactly once with the result
    forward(OrchestratorTopology.STREAMS_SINK, result.getRunId(), io.stepstream.internal.streams.RunEndMarker.of(result, now()), traced(result.getRunId()));
    onResult.accept(result);
    commitEarlyIfIdle();
  }

  /** Someone waits for results and approval requests: at low load, make them visible now. */
  private void commitEarlyIfIdle() {
    if (pacer.commitEarly(now())) {
      context.commit();
    }
  }

  /** An audit event of a run whose state is not known here (an input for an unknown run id). */
  void audit(String runId, AuditEventType type, String step, int attempt, int generation, String detail) {
    emit(event(runId, type).setStep(step).setAttempt(attempt).setGeneration(generation).setDetail(cut(detail)));
  }

  void audit(RunState state, AuditEventType type, String step, int attempt, int generation, String detail) {
    emit(event(state, type).setStep(step).setAttempt(attempt).setGeneration(generation).setDetail(cut(detail)));
  }

  /** With usage: a step attempt's, or a finished run's total (null: none reported). */
  void audit(RunState state, AuditEventType type, String step, int attempt, int generation, String detail, io.stepstream.avro.StepUsage usage) {
    emit(event(state, type).setStep(step).setAttempt(attempt).setGeneration(generation).setDetail(cut(detail)).setUsage(usage));
  }

  /** An audit event with run, workflow type and time set, for the caller to complete and {@link #emit}. */
  AuditEvent.Builder event(RunState state, AuditEventType type) {
    traces.remember(state); // a new run's first event comes before its state is saved
    return event(state.getRunId(), type).setWorkflowType(state.getWorkflowType());
  }

  RecordLimit recordLimit() {
    return recordLimit;
  }

  static String cut(String text) {
    return text == null || text.length() <= MAX_DETAIL_CHARS ? text : text.substring(0, MAX_DETAIL_CHARS) + "... (cut)";
  }

  /** An audit event with run, type and time set, for the caller to complete and {@link #emit}. */
  AuditEvent.Builder event(String runId, AuditEventType type) {
    return AuditEvent.newBuilder().setRunId(runId).setType(type).setTimestamp(now());
  }

  void emit(AuditEvent.Builder event) {
    if (!audit.writes(event.getType())) {
      return; // a routine event the audit level leaves out (the journal has the step)
    }
    Headers headers = traced(event.getRunId());
    forward(OrchestratorTopology.EVENTS_SINK, event.getRunId(), encoders.events().encode(event.build(), headers), headers);
  }

  /** Re-publishes a request under its run id, so it lands on the run's partition (its headers, trace context included, go along). */
  void rekeyRequest(String runId, Record<String, byte[]> record) {
    Headers headers = new RecordHeaders();
    record.headers().forEach(headers::add);
    forward(OrchestratorTopology.REQUESTS_SINK, runId, record.value(), headers);
  }

  /**
   * A record the engine writes for another run (a child's request, a child's result for its parent,
   * a parent's cancel for its child) to an input topic, on that run's home partition; it carries the
   * trace context of {@code fromRunId}, the run it is about.
   */
  void toRun(String sink, String runId, byte[] value, String fromRunId) {
    forward(sink, runId, value, traced(fromRunId));
  }

  /** A child run's request (ADR 0011), naming its parent in headers: the request envelope stays as users write it. */
  void childRequest(String childRunId, byte[] request, String parentRunId, String childName) {
    Headers headers = traced(parentRunId);
    headers.add(ChildLinks.PARENT_RUN_ID_HEADER, utf8(parentRunId));
    headers.add(ChildLinks.CHILD_NAME_HEADER, utf8(childName));
    forward(OrchestratorTopology.REQUESTS_SINK, childRunId, request, headers);
  }

  /** Headers with the run's W3C trace context, if it has one: every record of a run carries it. */
  private Headers traced(String runId) {
    Headers headers = new RecordHeaders();
    TraceHeaders.addTo(traces.of(runId), headers);
    return headers;
  }

  void approvalRequest(io.stepstream.avro.ApprovalRequest request) {
    Headers headers = traced(request.getRunId());
    forward(OrchestratorTopology.APPROVAL_REQUESTS_SINK, request.getRunId(), encoders.approvalRequests().encode(request, headers), headers);
    commitEarlyIfIdle();
  }

  void deadLetter(Record<String, byte[]> record, String runId, String errorType, String message) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    deadLetter(record, runId, errorType, message, meta == null ? "" : meta.topic(), meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset());
  }

  /** A dead letter for something stored earlier (a buffered decision), not the record in hand. */
  void deadLetter(Record<String, byte[]> record, String runId, String errorType, String message, String topic, int partition, long offset) {
    metrics.deadLetter(errorType);
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setSourceTopic(topic)
            .setPartition(partition)
            .setOffset(offset)
            .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key().getBytes(StandardCharsets.UTF_8)))
            .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
            .setRunId(runId)
            .setErrorType(errorType)
            .setErrorMessage(cut(message))
            .setFailedAt(now())
            .build();
    Headers headers = new RecordHeaders();
    byte[] encoded = encoders.deadLetters().encode(letter, headers);
    if (encoded.length > recordLimit.bytes()) {
      // the original was accepted by the broker, but with our envelope around it would not be: keep the facts
      letter.setValue(null);
      headers = new RecordHeaders();
      encoded = encoders.deadLetters().encode(letter, headers);
      headers.add(ERROR_VALUE_OMITTED, utf8(record.value().length + " bytes: too large to keep in a dead letter; the original is at "
          + topic + "-" + partition + "@" + offset + " while the topic retains it"));
    }
    headers.add(ERROR_TYPE, utf8(errorType));
    headers.add(ERROR_MESSAGE, utf8(cut(message)));
    headers.add(ERROR_TOPIC, utf8(topic));
    headers.add(ERROR_PARTITION, utf8(Integer.toString(partition)));
    headers.add(ERROR_OFFSET, utf8(Long.toString(offset)));
    if (runId != null) {
      headers.add(ERROR_RUN_ID, utf8(runId));
    }
    forward(OrchestratorTopology.DLQ_SINK, record.key(), encoded, headers);
  }

  /** Moves an external record to its run's home partition, unchanged (same key, value, headers, timestamp). */
  void forwardHome(String sink, Record<String, byte[]> record) {
    context.forward(record, sink);
  }

  /** Tombstones for the chunks of an expired run's claim-checked values, in this transaction (ADR 0021). */
  void payloadTombstones(java.util.List<io.stepstream.avro.ClaimCheck> refs) {
    for (io.stepstream.avro.ClaimCheck ref : refs) {
      for (String routed : PayloadTombstones.routedKeys(ref)) {
        forward(OrchestratorTopology.PAYLOADS_SINK, routed, null, null);
      }
    }
  }

  private void forward(String sink, String key, byte[] value, Headers headers) {
    context.forward(new Record<>(key, value, now(), headers == null ? new RecordHeaders() : headers), sink);
  }

  private static byte[] utf8(String s) {
    return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
  }
}
