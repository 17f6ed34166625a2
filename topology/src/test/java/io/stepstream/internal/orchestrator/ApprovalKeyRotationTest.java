package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.approvals.ApprovalKey;
import io.stepstream.internal.approvals.ApprovalKeyring;
import io.stepstream.internal.approvals.ApprovalToken;
import io.stepstream.internal.approvals.ApprovalTokens;
import io.stepstream.internal.approvals.LegacyTokens;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Approval tokens across key rotations, expiry and the upgrade from 0.1.0's format. Virtual time. */
@Timeout(30)
class ApprovalKeyRotationTest {
  private static final ApprovalKey K1 = ApprovalKey.of("k1", "first-secret-0123456789");
  private static final ApprovalKey K2 = ApprovalKey.of("k2", "second-secret-0123456789");

  private final Workflow<String, String> ship =
      (ctx, in) -> {
        Approval a = ctx.awaitApproval("ship", ApprovalRequest.of("Ship " + in + "?"), Duration.ofDays(1));
        return (a.approved() ? "shipped" : "held") + " by " + a.approver();
      };

  private OrchestratorHarness harness = harness(ApprovalKeyring.signingWith(K1), true);

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aPendingApprovalIssuedBeforeARotationIsAcceptedAfterItWhileTheOldKeyVerifies() {
    String issuedBefore = requestToken("r1");
    assertThat(ApprovalToken.parse(issuedBefore).kid()).isEqualTo("k1");

    harness.restartWith(guard(ApprovalKeyring.signingWith(K2).withVerificationKey(K1), true));
    harness.decide(harness.decision("r1", "ship", true, "alice").setToken(issuedBefore).build());
    harness.settle();

    assertThat(output("r1")).isEqualTo("shipped by alice");
    assertThat(deadLetterTypes()).isEmpty();
  }

  @Test
  void approvalsRequestedAfterARotationAreSignedWithTheNewKey() {
    harness.restartWith(guard(ApprovalKeyring.signingWith(K2).withVerificationKey(K1), true));

    assertThat(ApprovalToken.parse(requestToken("r2")).kid()).isEqualTo("k2");
  }

  @Test
  void aTokenOfAKeyRotatedOutIsRefusedAndTheRunWaitsForAValidDecision() {
    String issuedBefore = requestToken("r1");

    harness.restartWith(guard(ApprovalKeyring.signingWith(K2), true));
    harness.decide(harness.decision("r1", "ship", true, "alice").setToken(issuedBefore).build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("TOKEN_UNKNOWN_KEY");
    assertThat(harness.events()).filteredOn(e -> e.getType() == AuditEventType.DECISION_REJECTED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).contains("run r1", "'ship'", "key 'k1'", "approvalVerificationKey"));
    assertStillWaiting("r1");

    harness.decide(harness.decision("r1", "ship", true, "bob").setToken(signedBy(K2, "r1")).build());
    harness.settle();
    assertThat(output("r1")).isEqualTo("shipped by bob");
  }

  @Test
  void anExpiredApprovalTokenIsRefusedAndTheRunWaitsForAValidDecision() {
    requestToken("r1");
    String validForAnHour = ApprovalTokens.of(ApprovalKeyring.signingWith(K1), true)
        .sign("r1", "ship", harness.clock.instant().plus(Duration.ofHours(1)));
    harness.advanceAndSettle(Duration.ofHours(2), Duration.ofMinutes(10));

    harness.decide(harness.decision("r1", "ship", true, "alice").setToken(validForAnHour).build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("TOKEN_EXPIRED");
    assertThat(harness.events()).filteredOn(e -> e.getType() == AuditEventType.DECISION_REJECTED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).contains("run r1", "expired at 2026-01-01T01:00:00Z"));
    assertStillWaiting("r1");

    harness.decide(harness.decision("r1", "ship", false, "alice").setToken(signedBy(K1, "r1")).build());
    harness.settle();
    assertThat(output("r1")).isEqualTo("held by alice");
  }

  @Test
  void theTokenOfAnApprovalExpiresItsGraceAfterTheDeadline() {
    harness.restartWith(guard(ApprovalKeyring.signingWith(K1), true).withTokenGrace(Duration.ofMinutes(5)));

    String token = requestToken("r1");

    assertThat(ApprovalToken.parse(token).expiresAt())
        .isEqualTo(OrchestratorHarness.START.plus(Duration.ofDays(1)).plus(Duration.ofMinutes(5)));
  }

  @Test
  void anOldFormatTokenIssuedBeforeTheUpgradeIsAcceptedWhileItsSecretIsInTheRing() {
    ApprovalKey release010 = ApprovalKey.of(ApprovalTokens.DEFAULT_KID, "secret-of-release-0.1.0");
    harness.restartWith(guard(ApprovalKeyring.signingWith(K1).withVerificationKey(release010), true));
    requestToken("r1");

    harness.decide(harness.decision("r1", "ship", true, "alice").setToken(LegacyTokens.sign(release010, "r1", "ship")).build());
    harness.settle();

    assertThat(output("r1")).isEqualTo("shipped by alice");
  }

  @Test
  void anOldFormatTokenIsRefusedOnceThoseAreTurnedOffAndTheRunWaitsForAValidDecision() {
    harness.restartWith(guard(ApprovalKeyring.signingWith(K1), false));
    requestToken("r1");

    harness.decide(harness.decision("r1", "ship", true, "alice").setToken(LegacyTokens.sign(K1, "r1", "ship")).build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("TOKEN_LEGACY_REFUSED");
    assertStillWaiting("r1");
    harness.decide(harness.decision("r1", "ship", true, "alice").setToken(signedBy(K1, "r1")).build());
    harness.settle();
    assertThat(output("r1")).isEqualTo("shipped by alice");
  }

  private OrchestratorHarness harness(ApprovalKeyring ring, boolean acceptLegacy) {
    return new OrchestratorHarness(new WorkflowRegistry().register("ship", String.class, ship), guard(ring, acceptLegacy));
  }

  private static ApprovalGuard guard(ApprovalKeyring ring, boolean acceptLegacy) {
    return ApprovalGuard.of(ApprovalTokens.of(ring, acceptLegacy));
  }

  /** Starts a run to its approval and returns the token its request was published with. */
  private String requestToken(String runId) {
    harness.request(runId, "ship", "parcel-" + runId);
    harness.settle();
    var requests = harness.approvalRequests();
    assertThat(requests).hasSize(1);
    harness.events();
    return requests.get(0).getToken();
  }

  /** A token as an approval service holding {@code key} signs it. */
  private String signedBy(ApprovalKey key, String runId) {
    return ApprovalTokens.of(ApprovalKeyring.signingWith(key), true).sign(runId, "ship", harness.clock.instant().plus(Duration.ofHours(1)));
  }

  private void assertStillWaiting(String runId) {
    RunState state = harness.<String, RunState>store(OrchestratorTopology.RUNS_STORE).get(runId);
    assertThat(state.getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(state.getWaitName()).isEqualTo("ship");
    assertThat(harness.results()).isEmpty();
  }

  private String output(String runId) {
    var results = harness.results();
    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.getRunId()).isEqualTo(runId);
      assertThat(r.getStatus()).isEqualTo(RunStatus.COMPLETED);
    });
    return PayloadCodec.decode(results.get(0).getOutput(), String.class);
  }

  private List<String> deadLetterTypes() {
    return harness.deadLetterRecords().stream()
        .map(r -> new String(r.headers().lastHeader("stepstream.error.type").value(), StandardCharsets.UTF_8))
        .toList();
  }
}
