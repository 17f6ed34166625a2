package io.stepstream.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.Signal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ExternalInputDecoderTest {
  record Refund(String customer, int amount) {}

  @Test
  void theDocumentedJsonDecisionIsAccepted() {
    ApprovalDecision d = ExternalInputDecoder.decision(utf8(
        "{\"approvalName\":\"refund-review\",\"approved\":true,\"approver\":\"alice\",\"approverGroups\":[\"leads\"],"
            + "\"comment\":\"ok, half\",\"editedPayload\":{\"customer\":\"ada\",\"amount\":210},\"token\":\"t\",\"runId\":\"r1\",\"decidedAt\":5}"));

    assertThat(d.getApprovalName()).isEqualTo("refund-review");
    assertThat(d.getApproved()).isTrue();
    assertThat(d.getApproverGroups()).containsExactly("leads");
    assertThat(d.getDecidedAt()).isEqualTo(5L);
    assertThat(PayloadCodec.decode(d.getEditedPayload(), Refund.class)).isEqualTo(new Refund("ada", 210));
  }

  @Test
  void aJsonDecisionMayCarryTheApproversIdentityTokenAndThenNeedsNoApproverName() {
    ApprovalDecision d = ExternalInputDecoder.decision(utf8(
        "{\"approvalName\":\"refund-review\",\"approved\":true,\"identityToken\":\"eyJ.eyJ.sig\",\"token\":\"t\"}"));

    assertThat(d.getIdentityToken()).isEqualTo("eyJ.eyJ.sig");
    assertThat(d.getApprover()).isEmpty();
  }

  @Test
  void aJwtSentUnderAnotherNameIsPointedToIdentityToken() {
    assertThatThrownBy(() -> ExternalInputDecoder.decision(utf8("{\"approvalName\":\"a\",\"approved\":true,\"jwt\":\"eyJ.eyJ.sig\"}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_DECISION"))
        .hasMessageContaining("did you mean \"identityToken\"");
  }

  @Test
  void anEditedPayloadInTheAvroWrapperShapeIsRejectedNotBoundToNulls() {
    String wrapped = "{\"approvalName\":\"refund-review\",\"approved\":true,\"approver\":\"alice\","
        + "\"editedPayload\":{\"encoding\":\"JSON\",\"data\":\"eyJjdXN0b21lciI6ImFkYSJ9\"}}";

    assertThatThrownBy(() -> ExternalInputDecoder.decision(utf8(wrapped)))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_DECISION"))
        .hasMessageContaining("editedPayload")
        .hasMessageContaining("the edited value itself");
  }

  @Test
  void anUnknownDecisionFieldIsNamed() {
    assertThatThrownBy(() -> ExternalInputDecoder.decision(utf8(
            "{\"approvalName\":\"a\",\"approved\":true,\"approver\":\"alice\",\"aproverGroups\":[\"x\"]}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_DECISION"))
        .hasMessageContaining("\"aproverGroups\"")
        .hasMessageContaining("approverGroups");
  }

  @Test
  void aMissingOrMistypedRequiredDecisionFieldIsNamed() {
    assertThatThrownBy(() -> ExternalInputDecoder.decision(utf8("{\"approvalName\":\"a\",\"approved\":true}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_DECISION"))
        .hasMessageContaining("\"approver\"")
        .hasMessageContaining("\"identityToken\"");
    assertThatThrownBy(() -> ExternalInputDecoder.decision(utf8("{\"approvalName\":\"a\",\"approved\":\"yes\",\"approver\":\"alice\"}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_DECISION"))
        .hasMessageContaining("\"approved\"")
        .hasMessageContaining("true or false");
  }

  @Test
  void theEngineOnlyTimedOutFlagIsNotAcceptedFromOutside() {
    assertThatThrownBy(() -> ExternalInputDecoder.decision(utf8("{\"approvalName\":\"a\",\"approved\":true,\"approver\":\"x\",\"timedOut\":true}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_DECISION"))
        .hasMessageContaining("\"timedOut\"");
  }

  @Test
  void anAvroDecisionOrSignalClaimingToBeATimeoutIsRefused() {
    byte[] decision = Envelopes.encode(ApprovalDecision.newBuilder().setApprovalName("a").setApproved(false).setApprover("x").setTimedOut(true).build());
    byte[] signal = Envelopes.encode(Signal.newBuilder().setName("n").setTimedOut(true).build());

    assertThatThrownBy(() -> ExternalInputDecoder.decision(decision))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_DECISION"))
        .hasMessageContaining("timedOut");
    assertThatThrownBy(() -> ExternalInputDecoder.signal(signal))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_SIGNAL"))
        .hasMessageContaining("timedOut");
  }

  @Test
  void theDocumentedJsonSignalIsAccepted() {
    Signal s = ExternalInputDecoder.signal(utf8("{\"name\":\"payment\",\"data\":{\"amount\":42},\"signalId\":\"psp-1\",\"runId\":\"r1\",\"sentAt\":7}"));

    assertThat(s.getName()).isEqualTo("payment");
    assertThat(PayloadCodec.describe(s.getPayload())).isEqualTo("{\"amount\":42}");
    assertThat(s.getSignalId()).isEqualTo("psp-1");
  }

  @Test
  void aSignalWithItsValueUnderTheAvroFieldNameIsToldToUseData() {
    assertThatThrownBy(() -> ExternalInputDecoder.signal(utf8("{\"name\":\"payment\",\"payload\":42}")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_SIGNAL"))
        .hasMessageContaining("\"payload\"")
        .hasMessageContaining("\"data\"");
  }

  @Test
  void avroMarkedGarbageIsUndecodableInputNotAnEngineError() {
    byte[] decision = Envelopes.encode(ApprovalDecision.newBuilder().setApprovalName("a").setApproved(true).setApprover("x").build());
    byte[] signal = Envelopes.encode(Signal.newBuilder().setName("n").build());

    assertUndecodable(() -> ExternalInputDecoder.decision(truncated(decision)), "UNDECODABLE_DECISION", "does not decode");
    assertUndecodable(() -> ExternalInputDecoder.signal(truncated(signal)), "UNDECODABLE_SIGNAL", "does not decode");
    assertUndecodable(() -> ExternalInputDecoder.decision(unknownFingerprint(decision)), "UNDECODABLE_DECISION", "fingerprint");
    assertUndecodable(() -> ExternalInputDecoder.signal(unknownFingerprint(signal)), "UNDECODABLE_SIGNAL", "fingerprint");
  }

  @Test
  void anEnvelopeOfAnotherKindOnTheWrongTopicIsNamed() {
    byte[] signal = Envelopes.encode(Signal.newBuilder().setName("n").build());

    assertUndecodable(() -> ExternalInputDecoder.decision(signal), "UNDECODABLE_DECISION", "a Signal");
  }

  @Test
  void randomBytesAfterTheAvroHeaderAreAlwaysUndecodableInput() {
    byte[] header = Envelopes.encode(ApprovalDecision.newBuilder().setApprovalName("a").setApproved(true).setApprover("x").build());
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 5_000; i++) {
      byte[] bytes = new byte[10 + random.nextInt(64)];
      random.nextBytes(bytes);
      System.arraycopy(header, 0, bytes, 0, 10);
      try {
        ExternalInputDecoder.decision(bytes);
      } catch (InvalidInputException e) {
        assertThat(e.code()).isEqualTo("UNDECODABLE_DECISION");
      }
    }
  }

  @Test
  void aTinyRecordClaimingAHugeStringIsRefusedBeforeAvroAllocatesIt() {
    // 24 body bytes whose first string claims about 2 GB: Avro's decoder allocated it first and held the thread for 24 s
    byte[] header = Envelopes.encode(ApprovalDecision.newBuilder().setApprovalName("a").setApproved(true).setApprover("x").build());
    byte[] body = java.util.HexFormat.of().parseHex("9ac6d2d50fd8398a4163a612938e9e3d7caf793b913c6433");
    byte[] bytes = java.util.Arrays.copyOf(header, 10 + body.length);
    System.arraycopy(body, 0, bytes, 10, body.length);

    assertUndecodable(() -> ExternalInputDecoder.decision(bytes), "UNDECODABLE_DECISION", "bytes remain");
  }

  static void assertUndecodable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String code, String says) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContaining(says)
        .hasMessageContaining("C3 01");
  }

  static byte[] truncated(byte[] avro) {
    return java.util.Arrays.copyOf(avro, 11);
  }

  static byte[] unknownFingerprint(byte[] avro) {
    byte[] copy = avro.clone();
    copy[5] ^= 0x5A;
    return copy;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
