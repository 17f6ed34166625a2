package io.stepstream.internal.orchestrator;

import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.client.Topics;
import io.stepstream.internal.codec.EnvelopeEncoder;
import io.stepstream.internal.codec.WireCodec;

/**
 * How the orchestrator encodes what it writes to public topics, in the engine's wire format (the
 * step-outcomes topic and the stores are always single-object: see {@link WireCodec}).
 */
public record OutputEncoders(
    EnvelopeEncoder<WorkflowResult> results,
    EnvelopeEncoder<AuditEvent> events,
    EnvelopeEncoder<ApprovalRequest> approvalRequests,
    EnvelopeEncoder<DeadLetter> deadLetters) {

  public static OutputEncoders of(WireCodec wire, Topics topics) {
    return new OutputEncoders(
        wire.encoder(topics.results(), WorkflowResult.class),
        wire.encoder(topics.events(), AuditEvent.class),
        wire.encoder(topics.approvalRequests(), ApprovalRequest.class),
        wire.encoder(topics.deadLetters(), DeadLetter.class));
  }

  /** Registers the schemas now (registry format), so no stream thread ever waits for the registry. */
  public void prepare() {
    results.prepare();
    events.prepare();
    approvalRequests.prepare();
    deadLetters.prepare();
  }
}
