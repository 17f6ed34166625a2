package io.stepstream.internal.orchestrator;

import static io.stepstream.testing.TestIdentityProvider.AUDIENCE;
import static io.stepstream.testing.TestIdentityProvider.ISSUER;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.Workflow;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.identity.JwtApproverVerifier;
import io.stepstream.testing.OrchestratorHarness;
import io.stepstream.testing.TestIdentityProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Decisions carrying the approver's JWT, on an engine that verifies approvers: who decides is who
 * the identity provider says, never what the decision claims. Every refused decision leaves the run
 * waiting for a valid one. Virtual time.
 */
@Timeout(60)
class ApproverIdentityTest {
  private static final TestIdentityProvider RSA = TestIdentityProvider.rsa("rsa-1");
  private static final TestIdentityProvider EC = TestIdentityProvider.ec("ec-1");
  private static final TestIdentityProvider ATTACKER = TestIdentityProvider.rsa("rsa-1");

  /** Alice, or any support lead, approves a refund within a day. */
  private final Workflow<Integer, String> refund =
      (ctx, amount) -> {
        ctx.step("prepare", String.class, s -> "prepared");
        Approval a = ctx.awaitApproval("refund-review",
            ApprovalRequest.of("Refund " + amount + "?").approvers("alice").groups("support-leads"), Duration.ofDays(1));
        return (a.approved() ? "approved by " : "rejected by ") + a.approver();
      };

  private final OrchestratorHarness harness =
      new OrchestratorHarness(new WorkflowRegistry().register("refund", Integer.class, refund),
          ApprovalGuard.of(OrchestratorHarness.TOKENS).withIdentity(
              JwtApproverVerifier.of(RSA.jwks(EC), ISSUER, AUDIENCE, "preferred_username", "groups", Duration.ofSeconds(60))));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aUserListedAmongTheApproversIsAccepted() {
    startRefund();

    harness.decide(decision(RSA.token("alice", now())).build());
    harness.settle();

    assertThat(output()).isEqualTo("approved by alice");
    assertThat(deadLetterTypes()).isEmpty();
  }

  @Test
  void aMemberOfAnAllowedGroupIsAccepted() {
    startRefund();

    harness.decide(decision(EC.token("bob", now(), "support-leads")).build());
    harness.settle();

    assertThat(output()).isEqualTo("approved by bob");
  }

  @Test
  void aVerifiedUserOfNoAllowedGroupIsRefusedAndTheRunWaits() {
    startRefund();

    harness.decide(decision(RSA.token("carol", now(), "finance")).build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("APPROVER_NOT_ALLOWED");
    assertThat(rejection()).contains("'carol'", "verified", "run r1", "'refund-review'", "[alice]", "[support-leads]");
    assertStillWaitingThenApprovedByAlice();
  }

  @Test
  void theSelfAssertedApproverIsIgnoredInFavourOfTheVerifiedIdentity() {
    startRefund();

    harness.decide(decision(RSA.token("bob", now(), "support-leads")).setApprover("alice").build());
    harness.settle();

    assertThat(output()).isEqualTo("approved by bob");
  }

  @Test
  void selfAssertedNamesAndGroupsDoNotMakeAnUnlistedUserAllowed() {
    startRefund();

    harness.decide(decision(RSA.token("mallory", now())).setApprover("alice").setApproverGroups(List.of("support-leads")).build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("APPROVER_NOT_ALLOWED");
    assertThat(rejection()).contains("'mallory'");
    assertStillWaitingThenApprovedByAlice();
  }

  @Test
  void aJwtSignedByAnotherKeyIsRefusedAsForgedAndTheRunWaits() {
    startRefund();

    harness.decide(decision(ATTACKER.token("alice", now())).build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("IDENTITY_BAD_SIGNATURE");
    assertThat(rejection()).contains("run r1", "'refund-review'", "identity token", ISSUER);
    assertStillWaitingThenApprovedByAlice();
  }

  @Test
  void anExpiredJwtIsRefusedAndTheRunWaits() {
    startRefund();
    String issuedTenMinutesAgo = RSA.token("alice", now().minus(Duration.ofMinutes(10))); // valid for five

    harness.decide(decision(issuedTenMinutesAgo).build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("IDENTITY_EXPIRED");
    assertThat(rejection()).contains("run r1", "expired at");
    assertStillWaitingThenApprovedByAlice();
  }

  @Test
  void aDecisionWithoutAJwtIsRefusedSayingWhatToSendAndTheRunWaits() {
    startRefund();

    harness.decide(harness.decision("r1", "refund-review", true, "alice").build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("IDENTITY_MISSING");
    assertThat(rejection()).contains("run r1", "'refund-review'", "no identity token", "identityToken", ISSUER);
    assertStillWaitingThenApprovedByAlice();
  }

  @Test
  void aDecisionKeptUntilTheRunAsksIsJudgedByItsJwtWhenItArrived() {
    harness.request("r1", "refund", 420);
    harness.decide(decision(RSA.token("alice", now())).build()); // before the run reaches its approval
    harness.advanceWallClock(Duration.ofMinutes(10)); // the JWT has expired since

    harness.settle();

    assertThat(output()).isEqualTo("approved by alice");
  }

  @Test
  void aDecisionWithAForgedJwtForARunNotStartedYetIsRefusedAtOnce() {
    harness.decide(decision(ATTACKER.token("alice", now())).build());

    assertThat(deadLetterTypes()).containsExactly("IDENTITY_BAD_SIGNATURE");
    startRefund();
    assertStillWaitingThenApprovedByAlice();
  }

  @Test
  void theJwtIsNotJournaledAndTheAuditTrailNamesTheVerifiedApprover() {
    startRefund();

    harness.decide(decision(RSA.token("bob", now(), "support-leads")).setApprover("alice").build());
    harness.settle();

    JournalEntry resolution = harness.<String, JournalEntry>store(OrchestratorTopology.JOURNAL_STORE).get("r1" + RunStore.SEPARATOR + "refund-review");
    ApprovalDecision recorded = PayloadCodec.decode(resolution.getValue(), ApprovalDecision.class);
    assertThat(recorded.getIdentityToken()).isNull();
    assertThat(recorded.getApprover()).isEqualTo("bob");
    assertThat(recorded.getApproverGroups()).containsExactly("support-leads");
    assertThat(harness.events()).filteredOn(e -> e.getType() == AuditEventType.APPROVAL_DECIDED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).contains("approved by bob", "verified"));
  }

  private void startRefund() {
    harness.request("r1", "refund", 420);
    harness.settle();
    harness.events();
  }

  private Instant now() {
    return harness.clock.instant();
  }

  /** An approval with a valid approval token and no self-asserted approver. */
  private ApprovalDecision.Builder decision(String jwt) {
    return harness.decision("r1", "refund-review", true, "").setIdentityToken(jwt);
  }

  private void assertStillWaitingThenApprovedByAlice() {
    RunState state = harness.<String, RunState>store(OrchestratorTopology.RUNS_STORE).get("r1");
    assertThat(state.getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(harness.results()).isEmpty();

    harness.decide(decision(RSA.token("alice", now())).build());
    harness.settle();
    assertThat(output()).isEqualTo("approved by alice");
  }

  private String rejection() {
    List<AuditEvent> rejected = harness.events().stream().filter(e -> e.getType() == AuditEventType.DECISION_REJECTED).toList();
    assertThat(rejected).hasSize(1);
    return rejected.get(0).getDetail();
  }

  private String output() {
    var results = harness.results();
    assertThat(results).singleElement().satisfies(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.COMPLETED));
    harness.events();
    return PayloadCodec.decode(results.get(0).getOutput(), String.class);
  }

  private List<String> deadLetterTypes() {
    return harness.deadLetterRecords().stream()
        .map(r -> new String(r.headers().lastHeader("stepstream.error.type").value(), StandardCharsets.UTF_8))
        .toList();
  }
}
