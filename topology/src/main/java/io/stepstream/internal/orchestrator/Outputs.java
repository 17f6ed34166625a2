package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.Envelopes;
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

  private final ProcessorContext<String, byte[]> context;
  private final EngineMetrics metrics;
  private final CommitPacer pacer;

  Outputs(ProcessorContext<String, byte[]> context, EngineMetrics metrics, CommitPacer pacer) {
    this.context = context;
    this.metrics = metrics;
    this.pacer = pacer;
  }

  long now() {
    return context.currentSystemTimeMs();
  }

  void result(WorkflowResult result) {
    metrics.runsFinished.incrementAndGet();
    forward(OrchestratorTopology.RESULTS_SINK, result.getRunId(), Envelopes.encode(result), null);
    commitEarlyIfIdle();
  }

  /** Someone waits for results and approval requests: at low load, make them visible now. */
  private void commitEarlyIfIdle() {
    if (pacer.commitEarly(now())) {
      context.commit();
    }
  }

  void audit(String runId, AuditEventType type, String step, int attempt, int generation, String detail) {
    emit(event(runId, type).setStep(step).setAttempt(attempt).setGeneration(generation).setDetail(detail));
  }

  /** An audit event with run, type and time set, for the caller to complete and {@link #emit}. */
  AuditEvent.Builder event(String runId, AuditEventType type) {
    return AuditEvent.newBuilder().setRunId(runId).setType(type).setTimestamp(now());
  }

  void emit(AuditEvent.Builder event) {
    forward(OrchestratorTopology.EVENTS_SINK, event.getRunId(), Envelopes.encode(event.build()), null);
  }

  /** Re-publishes a request under its run id, so it lands on the run's partition. */
  void rekeyRequest(String runId, byte[] value) {
    forward(OrchestratorTopology.REQUESTS_SINK, runId, value, null);
  }

  void approvalRequest(io.stepstream.avro.ApprovalRequest request) {
    forward(OrchestratorTopology.APPROVAL_REQUESTS_SINK, request.getRunId(), Envelopes.encode(request), null);
    commitEarlyIfIdle();
  }

  void deadLetter(Record<String, byte[]> record, String runId, String errorType, String message) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    deadLetter(record, runId, errorType, message, meta == null ? "" : meta.topic(), meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset());
  }

  /** A dead letter for something stored earlier (a buffered decision), not the record in hand. */
  void deadLetter(Record<String, byte[]> record, String runId, String errorType, String message, String topic, int partition, long offset) {
    metrics.deadLetters.incrementAndGet();
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setSourceTopic(topic)
            .setPartition(partition)
            .setOffset(offset)
            .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key().getBytes(StandardCharsets.UTF_8)))
            .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
            .setRunId(runId)
            .setErrorType(errorType)
            .setErrorMessage(message)
            .setFailedAt(now())
            .build();
    Headers headers = new RecordHeaders();
    headers.add(ERROR_TYPE, utf8(errorType));
    headers.add(ERROR_MESSAGE, utf8(message));
    headers.add(ERROR_TOPIC, utf8(topic));
    headers.add(ERROR_PARTITION, utf8(Integer.toString(partition)));
    headers.add(ERROR_OFFSET, utf8(Long.toString(offset)));
    if (runId != null) {
      headers.add(ERROR_RUN_ID, utf8(runId));
    }
    forward(OrchestratorTopology.DLQ_SINK, record.key(), Envelopes.encode(letter), headers);
  }

  private void forward(String sink, String key, byte[] value, Headers headers) {
    context.forward(new Record<>(key, value, now(), headers == null ? new RecordHeaders() : headers), sink);
  }

  private static byte[] utf8(String s) {
    return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
  }
}
