package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.Workflow;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.schemas.ReleasedSchemas;
import io.stepstream.testing.OrchestratorHarness;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pending approvals can be listed from the approval-requests topic alone: when an approval wait
 * ends, the engine writes the request again with its resolution, in the same transaction as the
 * decision, timeout or end of the run. A reader keeps the latest record per run and approval name.
 */
@Timeout(30)
class ApprovalResolutionTest {
  private final Workflow<String, String> review =
      (ctx, in) -> {
        Approval a = ctx.awaitApproval("review", ApprovalRequest.of("ship " + in + "?").timedOutDecisionOnTimeout(), Duration.ofHours(1));
        return a.timedOut() ? "timed out" : a.approved() ? "approved" : "rejected";
      };

  private final OrchestratorHarness harness = new OrchestratorHarness(new WorkflowRegistry().register("review", String.class, review));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aPendingApprovalHasOneRecordWithoutResolutionAndAValidToken() {
    ask("r1");

    var records = harness.approvalRequestsAndResolutions();
    assertThat(records).singleElement().satisfies(r -> {
      assertThat(r.getResolution()).isNull();
      assertThat(r.getToken()).isNotEmpty();
    });
  }

  @Test
  void anApprovedRequestIsWrittenAgainResolvedApprovedWithoutAToken() {
    ask("r1");
    harness.approvalRequestsAndResolutions();

    harness.decide(harness.decision("r1", "review", true, "alice").build());
    harness.settle();

    assertThat(harness.approvalRequestsAndResolutions()).singleElement().satisfies(r -> {
      assertThat(r.getRunId()).isEqualTo("r1");
      assertThat(r.getApprovalName()).isEqualTo("review");
      assertThat(r.getSubject()).isEqualTo("ship r1?");
      assertThat(r.getResolution()).isEqualTo("APPROVED");
      assertThat(r.getToken()).as("a resolved request can decide nothing").isEmpty();
    });
  }

  @Test
  void aRejectedRequestIsResolvedRejected() {
    ask("r1");
    harness.approvalRequestsAndResolutions();

    harness.decide(harness.decision("r1", "review", false, "alice").setReason("no").build());
    harness.settle();

    assertThat(resolutions()).containsExactly("REJECTED");
  }

  @Test
  void aRequestWhoseDeadlinePassesIsResolvedTimedOut() {
    ask("r1");
    harness.approvalRequestsAndResolutions();

    harness.advanceAndSettle(Duration.ofHours(1).plusSeconds(1), Duration.ofMinutes(1));

    assertThat(resolutions()).containsExactly("TIMED_OUT");
    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(PayloadCodec.decode(r.getOutput(), String.class)).isEqualTo("timed out"));
  }

  @Test
  void aRunCancelledWhileAnApproverIsAskedResolvesItsRequestCancelled() {
    ask("r1");
    harness.approvalRequestsAndResolutions();

    harness.cancel("r1", "customer withdrew");
    harness.settle();

    assertThat(resolutions()).containsExactly("CANCELLED");
  }

  @Test
  void aSecondDecisionDoesNotWriteASecondResolution() {
    ask("r1");
    harness.approvalRequestsAndResolutions();

    harness.decide(harness.decision("r1", "review", true, "alice").build());
    harness.decide(harness.decision("r1", "review", false, "bob").build());
    harness.settle();

    assertThat(resolutions()).containsExactly("APPROVED");
  }

  @Test
  void aDecisionStoredBeforeTheWaitResolvesTheRequestRightAfterItIsAsked() {
    harness.request("r1", "review", "r1");
    harness.decide(harness.decision("r1", "review", true, "alice").build());
    harness.settle();

    var records = harness.approvalRequestsAndResolutions();
    assertThat(records).extracting(io.stepstream.avro.ApprovalRequest::getResolution).containsExactly(null, "APPROVED");
  }

  @Test
  void anApprovalWaitJournaledByTheReleasedSchemaStillDecodesAfterTheFieldWasAdded() throws Exception {
    Schema released = ReleasedSchemas.onClasspath().writerSchemasOf(io.stepstream.avro.ApprovalRequest.getClassSchema().getFullName()).get(0);
    GenericRecord old = new GenericData.Record(released);
    old.put("runId", "r1");
    old.put("approvalName", "review");
    old.put("workflowType", "review");
    old.put("subject", "ship?");
    old.put("details", null);
    old.put("allowedApprovers", List.of());
    old.put("allowedGroups", List.of());
    old.put("deadline", 1L);
    old.put("token", "");
    old.put("requestedAt", 0L);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), released).encode(old, bytes);
    var payload = new io.stepstream.avro.Payload(io.stepstream.avro.PayloadEncoding.AVRO, ByteBuffer.wrap(bytes.toByteArray()),
        io.stepstream.avro.ApprovalRequest.class.getName(), null);
    Envelopes.ensureTrusted();

    var decoded = PayloadCodec.decode(payload, io.stepstream.avro.ApprovalRequest.class);

    assertThat(released.getField("resolution")).as("the released schema has no resolution field").isNull();
    assertThat(decoded.getSubject()).isEqualTo("ship?");
    assertThat(decoded.getResolution()).isNull();
  }

  private void ask(String runId) {
    harness.request(runId, "review", runId);
    harness.settle();
  }

  private List<String> resolutions() {
    return harness.approvalRequestsAndResolutions().stream().map(io.stepstream.avro.ApprovalRequest::getResolution).toList();
  }
}
