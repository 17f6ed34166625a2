package io.stepstream.internal.codec;

import static io.stepstream.internal.codec.ExternalInputDecoderTest.truncated;
import static io.stepstream.internal.codec.ExternalInputDecoderTest.unknownFingerprint;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.Workflow;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.Signal;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input through the whole topology: it is dead-lettered with a code that names it, and never applied half-read. */
@Timeout(30)
class BadExternalInputTest {
  record Refund(String customer, int amount) {}

  private final List<String> paid = new CopyOnWriteArrayList<>();

  private final Workflow<Refund, String> refund =
      (ctx, r) -> {
        Approval a = ctx.awaitApproval("refund-review", ApprovalRequest.of("Refund?").details(r), Duration.ofDays(1));
        Refund approved = a.edited(Refund.class).orElse(r);
        return ctx.step("pay", String.class, s -> {
          paid.add(approved.customer() + " " + approved.amount());
          return "paid " + approved.amount() + " to " + approved.customer();
        });
      };

  private final OrchestratorHarness harness = new OrchestratorHarness(new WorkflowRegistry().register("refund", Refund.class, refund));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void avroMarkedGarbageOnEveryInputTopicIsUndecodableInputNotAnEngineBug() {
    byte[] request = Envelopes.encode(new WorkflowRequest("r1", "refund", null, 0L));
    byte[] command = Envelopes.encode(RunCommand.newBuilder().setRunId("r1").setCommandId("c").setType(RunCommandType.CANCEL).build());
    byte[] decision = Envelopes.encode(ApprovalDecision.newBuilder().setApprovalName("a").setApproved(true).setApprover("x").build());
    byte[] signal = Envelopes.encode(Signal.newBuilder().setName("n").build());

    harness.rawRequest("r1", truncated(request));
    harness.rawRequest("r1", unknownFingerprint(request));
    harness.rawRequest("r1", truncated(command));
    harness.rawDecision("r1", truncated(decision));
    harness.rawDecision("r1", signal);
    harness.rawSignal("r1", unknownFingerprint(signal));

    assertThat(deadLetterTypes())
        .containsExactly("UNDECODABLE_REQUEST", "UNDECODABLE_REQUEST", "UNDECODABLE_COMMAND", "UNDECODABLE_DECISION",
            "UNDECODABLE_DECISION", "UNDECODABLE_SIGNAL");
  }

  @Test
  void aJsonDecisionWithTheAvroPayloadWrapperIsRefusedAndTheRunWaitsForAValidOne() {
    harness.request("r1", "refund", new Refund("ada", 420));
    harness.settle();

    harness.rawDecision("r1", decisionJson("{\"encoding\":\"JSON\",\"data\":\"eyJjdXN0b21lciI6ImFkYSIsImFtb3VudCI6MjEwfQ==\"}"));
    harness.settle();
    assertThat(deadLetterTypes()).containsExactly("INVALID_DECISION");
    assertThat(paid).isEmpty();

    harness.rawDecision("r1", decisionJson("{\"customer\":\"ada\",\"amount\":210}"));
    harness.settle();
    assertThat(paid).containsExactly("ada 210");
  }

  @Test
  void aMisspelledEditedFieldFailsTheRunNamingTheMissingFieldInsteadOfPayingZero() {
    harness.request("r1", "refund", new Refund("ada", 420));
    harness.settle();

    harness.rawDecision("r1", decisionJson("{\"customer\":\"ada\",\"amout\":210}"));
    harness.settle();

    assertThat(paid).isEmpty();
    List<WorkflowResult> results = harness.results();
    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.getStatus()).isEqualTo(RunStatus.FAILED);
      assertThat(r.getError().getMessage()).contains("field \"amount\"");
    });
  }

  private byte[] decisionJson(String edited) {
    String token = harness.token("r1", "refund-review");
    return ("{\"approvalName\":\"refund-review\",\"approved\":true,\"approver\":\"alice\",\"token\":\"" + token
        + "\",\"editedPayload\":" + edited + "}").getBytes(StandardCharsets.UTF_8);
  }

  private List<String> deadLetterTypes() {
    return harness.deadLetterRecords().stream()
        .map(r -> new String(r.headers().lastHeader("stepstream.error.type").value(), StandardCharsets.UTF_8))
        .toList();
  }
}
