package io.stepstream.internal.codec;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.Payload;
import io.stepstream.avro.PayloadEncoding;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.Signal;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Every public envelope twice: with every optional field set, and with every optional field left
 * out. Payloads carry no {@code javaType}: the JSON form does not keep it (it is for diagnostics only).
 */
final class WireEnvelopes {
  private WireEnvelopes() {}

  static Payload json(String json) {
    return new Payload(PayloadEncoding.JSON, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), null, null);
  }

  /** An Avro-encoded user value: an {@code ErrorInfo} stands in for a user's generated type. */
  static Payload avro() {
    Payload p = PayloadCodec.encode(new ErrorInfo("T", "an avro value", "s", 2, null, null, false));
    p.setJavaType(null);
    return p;
  }

  static List<SpecificRecordBase> full() {
    return List.of(
        new WorkflowResult("r-1", "support", RunStatus.FAILED, json("{\"reply\":\"hello\",\"n\":[1,2]}"),
            new ErrorInfo("REFUND_LIMIT", "too much", "refund", 3, "at x", json("{\"limit\":200}"), false), 1L, 2L, 3L,
            new io.stepstream.avro.StepUsage(1200L, 340L, 0.0125)),
        new AuditEvent("r-1", AuditEventType.TIMER_FIRED, "support", "wait", 2, 4, "late", 5L, 6L, "cmd-1", new io.stepstream.avro.StepUsage(7L, 8L, 0.5)),
        new ApprovalRequest("r-1", "refund-review", "support", "Refund 210?", json("{\"amount\":210}"),
            List.of("alice"), List.of("leads"), 7L, "v1.k.1.b.m", 8L, "APPROVED"),
        new DeadLetter("t.requests", 3, 42L, ByteBuffer.wrap(new byte[] {1, 2, (byte) 0xff}),
            ByteBuffer.wrap(new byte[] {(byte) 0xC3, 1, 0}), "r-1", "UNDECODABLE_REQUEST", "bad", 9L),
        new WorkflowRequest("r-1", "support", json("{\"question\":\"where is my order?\"}"), 10L),
        new RunCommand("r-1", "c-1", RunCommandType.CANCEL, "changed mind", "ops", 11L, null, null),
        new ApprovalDecision("r-1", "refund-review", true, "alice", List.of("leads", "ops"), "ok", "none",
            json("{\"amount\":200}"), "v1.k.1.b.m", 12L, false, "eyJ.jwt.sig"),
        new Signal("r-1", "payment-received", json("{\"amount\":42}"), "psp-1", 13L, false, null, null, false));
  }

  static List<SpecificRecordBase> minimal() {
    return List.of(
        new WorkflowResult("r-2", "support", RunStatus.COMPLETED, null, null, 1L, 2L, 0L, null),
        new AuditEvent("r-2", AuditEventType.RUN_STARTED, null, null, 0, 0, null, 5L, null, null, null),
        new ApprovalRequest("r-2", "refund-review", "support", "Refund?", null, List.of(), List.of(), 7L, "tok", 8L, null),
        new DeadLetter("t.signals", 0, 0L, null, null, null, "UNKNOWN_RUN", "no run", 9L),
        new WorkflowRequest("r-2", "support", null, 0L),
        new RunCommand("r-2", "c-2", RunCommandType.RESUME, null, null, 0L, null, null),
        new ApprovalDecision("r-2", "refund-review", false, "bob", List.of(), null, null, null, null, 12L, false, null),
        new Signal("r-2", "payment-received", null, null, 0L, false, null, null, false));
  }

  /** The same envelopes with Avro-encoded payloads where they have one. */
  static List<SpecificRecordBase> withAvroPayloads() {
    return List.of(
        new WorkflowResult("r-3", "support", RunStatus.COMPLETED, avro(), null, 1L, 2L, 0L, null),
        new ApprovalRequest("r-3", "a", "support", "s", avro(), List.of(), List.of(), 7L, "tok", 8L, null),
        new WorkflowRequest("r-3", "support", avro(), 0L),
        new ApprovalDecision("r-3", "a", true, "alice", List.of(), null, null, avro(), "tok", 12L, false, null),
        new Signal("r-3", "n", avro(), "s-1", 1L, false, null, null, false),
        new Signal("r-3", "review", avro(), null, 1L, false, PromiseIds.format("r-3", "review"), null, false),
        // promise completions (a Signal with promiseId) have JSON forms of their own
        new Signal("r-3", "review", null, null, 0L, false, PromiseIds.format("r-3", "review"), null, false),
        new Signal("r-3", "review", null, null, 14L, false, PromiseIds.format("r-3", "review"),
            new ErrorInfo("REVIEWER_UNAVAILABLE", "on leave", null, 0, null, json("{\"ask\":\"bob\"}"), false), false));
  }
}
