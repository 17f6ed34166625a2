package io.stepstream.internal.orchestrator;

import static io.stepstream.avro.AuditEventType.APPROVAL_DECIDED;
import static io.stepstream.avro.AuditEventType.APPROVAL_REQUESTED;
import static io.stepstream.avro.AuditEventType.APPROVAL_TIMED_OUT;
import static io.stepstream.avro.AuditEventType.DECISION_BUFFERED;
import static io.stepstream.avro.AuditEventType.DECISION_IGNORED;
import static io.stepstream.avro.AuditEventType.DECISION_REJECTED;
import static io.stepstream.avro.AuditEventType.EARLY_INPUT_EXPIRED;
import static io.stepstream.avro.AuditEventType.RUN_COMPLETED;
import static io.stepstream.avro.AuditEventType.RUN_STARTED;
import static io.stepstream.avro.AuditEventType.RUN_WAITING;
import static io.stepstream.avro.AuditEventType.SIGNAL_IGNORED;
import static io.stepstream.avro.AuditEventType.SIGNAL_RECEIVED;
import static io.stepstream.avro.AuditEventType.STEP_COMPLETED;
import static io.stepstream.avro.AuditEventType.TIMER_FIRED;
import static io.stepstream.avro.AuditEventType.WAIT_TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.ApprovalTimeoutException;
import io.stepstream.EventTimeoutException;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.approvals.ApprovalToken;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Approvals and events: early, on time, late, twice, for the wrong run, with bad tokens. Virtual time. */
@Timeout(30)
class HumanInTheLoopTest {
  record Refund(String customer, int amount) {}

  private final List<String> executed = new CopyOnWriteArrayList<>();

  /** Asks alice or a support lead to approve a refund within a day; pays what was approved. */
  private final Workflow<Refund, String> refund =
      (ctx, r) -> {
        ctx.step("prepare", String.class, s -> "prepared");
        Approval a =
            ctx.awaitApproval("refund-review",
                ApprovalRequest.of("Refund " + r.amount() + " to " + r.customer()).details(r).approvers("alice").groups("support-leads"),
                Duration.ofDays(1));
        if (!a.approved()) {
          return "rejected by " + a.approver() + ": " + a.reason();
        }
        Refund approved = a.edited(Refund.class).orElse(r);
        return ctx.step("pay", String.class, s -> {
          executed.add("pay " + approved.amount());
          return "paid " + approved.amount() + " (" + a.approver() + ": " + a.comment() + ")";
        });
      };

  private final Workflow<String, String> timesOutSoftly =
      (ctx, in) -> {
        Approval a = ctx.awaitApproval("ok", ApprovalRequest.of("ok?").timedOutDecisionOnTimeout(), Duration.ofHours(1));
        return a.timedOut() ? "timed out" : "decided";
      };

  private final Workflow<String, String> timesOutLoudly =
      (ctx, in) -> {
        try {
          ctx.awaitApproval("ok", ApprovalRequest.of("ok?"), Duration.ofHours(1));
          return "decided";
        } catch (ApprovalTimeoutException e) {
          return "escalated: " + e.getMessage();
        }
      };

  private final Workflow<String, Integer> payment =
      (ctx, in) -> {
        try {
          return ctx.awaitEvent("payment", Integer.class, Duration.ofMinutes(30), amount -> amount >= 100);
        } catch (EventTimeoutException e) {
          return -1;
        }
      };

  private final OrchestratorHarness harness =
      new OrchestratorHarness(
          new WorkflowRegistry()
              .register("refund", Refund.class, refund)
              .register("soft", String.class, timesOutSoftly)
              .register("loud", String.class, timesOutLoudly)
              .register("payment", String.class, payment)
              .register("payment-then-nap", String.class, (ctx, in) -> {
                Integer paid = ctx.awaitEvent("payment", Integer.class, Duration.ofMinutes(30));
                ctx.sleep("nap", Duration.ofHours(1));
                return paid;
              }));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void theApprovalRequestIsPublishedWithItsContextApproversDeadlineAndASignedToken() {
    startRefund();

    var requests = harness.approvalRequests();
    assertThat(requests).hasSize(1);
    var request = requests.get(0);
    assertThat(request.getApprovalName()).isEqualTo("refund-review");
    assertThat(request.getSubject()).isEqualTo("Refund 420 to ada");
    assertThat(PayloadCodec.decode(request.getDetails(), Refund.class)).isEqualTo(new Refund("ada", 420));
    assertThat(request.getAllowedApprovers()).containsExactly("alice");
    assertThat(request.getAllowedGroups()).containsExactly("support-leads");
    assertThat(request.getDeadline()).isEqualTo(OrchestratorHarness.START.plus(Duration.ofDays(1)).toEpochMilli());
    assertThat(OrchestratorHarness.TOKENS.check(request.getToken(), "r1", "refund-review", OrchestratorHarness.START).valid()).isTrue();
    assertThat(ApprovalToken.parse(request.getToken()).expiresAt())
        .as("the deadline plus the default grace").isEqualTo(OrchestratorHarness.START.plus(Duration.ofDays(1)).plus(Duration.ofMinutes(15)));
    assertThat(types()).containsExactly(RUN_STARTED, STEP_COMPLETED, APPROVAL_REQUESTED, RUN_WAITING);
  }

  @Test
  void aDecisionWhileWaitingWakesTheRunWithItsCommentAndEditedPayload() {
    startRefund();
    harness.events();

    harness.decide(harness.decision("r1", "refund-review", true, "alice").setComment("half is fair")
        .setEditedPayload(PayloadCodec.encode(new Refund("ada", 210))).build());
    harness.settle();

    assertThat(types()).containsExactly(APPROVAL_DECIDED, STEP_COMPLETED, RUN_COMPLETED);
    assertThat(output()).isEqualTo("paid 210 (alice: half is fair)");
  }

  @Test
  void aDecisionThatArrivesBeforeTheWaitIsStoredAndUsedWhenTheRunGetsThere() {
    harness.request("r1", "refund", new Refund("ada", 420));
    harness.decide(harness.decision("r1", "refund-review", true, "alice").setComment("pre-approved").build());
    assertThat(types()).containsExactly(RUN_STARTED, DECISION_BUFFERED);

    harness.settle();

    assertThat(types()).containsExactly(STEP_COMPLETED, APPROVAL_REQUESTED, RUN_WAITING, APPROVAL_DECIDED, STEP_COMPLETED, RUN_COMPLETED);
    assertThat(output()).isEqualTo("paid 420 (alice: pre-approved)");
  }

  @Test
  void onlyTheFirstDecisionCountsLaterOnesAreRecordedAsIgnored() {
    startRefund();
    harness.decide(harness.decision("r1", "refund-review", false, "alice").setReason("fraud suspected").build());
    harness.decide(harness.decision("r1", "refund-review", true, "alice").build());
    harness.settle();

    assertThat(output()).isEqualTo("rejected by alice: fraud suspected");
    assertThat(executed).isEmpty();
    List<AuditEvent> events = harness.events();
    assertThat(events).filteredOn(e -> e.getType() == DECISION_IGNORED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).startsWith("ALREADY_DECIDED").contains("already decided"));
    assertThat(deadLetterTypes()).as("merely ignored: audited, not dead-lettered").isEmpty();
  }

  @Test
  void aDecisionAfterTheTimeoutIsNotApplied() {
    harness.request("r1", "soft", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofHours(1).plusSeconds(1), Duration.ofMinutes(1));
    assertThat(output()).isEqualTo("timed out");

    harness.decide(harness.decision("r1", "ok", true, "alice").build());

    assertThat(deadLetterTypes()).as("merely late: audited, not dead-lettered").isEmpty();
    assertThat(harness.events()).filteredOn(e -> e.getType() == DECISION_IGNORED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).startsWith("RUN_FINISHED").contains("already ended COMPLETED"));
  }

  @Test
  void aTimeoutCanBeAnExceptionTheWorkflowCatches() {
    harness.request("r1", "loud", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(61), Duration.ofMinutes(1));

    assertThat(output()).startsWith("escalated: approval 'ok' of run r1 was not decided before its deadline");
  }

  @Test
  void aDecisionWithAWrongOrMissingTokenIsNeverApplied() {
    startRefund();
    harness.decide(harness.decision("r1", "refund-review", true, "alice").setToken("forged").build());
    harness.decide(harness.decision("r1", "refund-review", true, "alice").setToken(null).build());
    harness.decide(harness.decision("r1", "refund-review", true, "alice").setToken(harness.token("r2", "refund-review")).build());
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("BAD_TOKEN", "BAD_TOKEN", "TOKEN_WRONG_APPROVAL");
    assertThat(harness.results()).isEmpty();
    assertThat(executed).isEmpty();
  }

  @Test
  void anApproverWhoIsNotAllowedIsRejectedAndTheWaitGoesOn() {
    startRefund();
    harness.decide(harness.decision("r1", "refund-review", true, "mallory").build());
    harness.settle();
    assertThat(deadLetterTypes()).containsExactly("APPROVER_NOT_ALLOWED");
    assertThat(harness.results()).isEmpty();

    harness.decide(harness.decision("r1", "refund-review", true, "bob").setApproverGroups(List.of("support-leads")).build());
    harness.settle();

    assertThat(output()).startsWith("paid 420 (bob");
  }

  @Test
  void aDecisionArrivingBeforeItsRunsRequestIsKeptAndAppliedWhenTheRunAsks() {
    // a client approves right after start(): the decision is read before the request
    harness.decide(harness.decision("r1", "refund-review", true, "alice").setComment("pre-approved").build());
    assertThat(deadLetterTypes()).isEmpty();
    assertThat(types()).containsExactly(DECISION_BUFFERED);

    startRefund();

    assertThat(output()).isEqualTo("paid 420 (alice: pre-approved)");
    assertThat(deadLetterTypes()).isEmpty();
  }

  @Test
  void anEventSentBeforeItsRunsRequestIsDeliveredToTheWait() {
    harness.signal("r1", "payment", 150, "psp-1"); // signal-with-start
    harness.request("r1", "payment", "x");
    harness.settle();

    assertThat(harness.results()).singleElement()
        .satisfies(r -> assertThat(PayloadCodec.decode(r.getOutput(), Integer.class)).isEqualTo(150));
    assertThat(deadLetterTypes()).isEmpty();
  }

  @Test
  void aDecisionForARunThatNeverStartsIsDeadLetteredAfterTheEarlyInputTtl() {
    harness.decide(harness.decision("ghost", "refund-review", true, "alice").build());
    harness.signal("ghost", "payment", 1, "psp-9");
    harness.advanceAndSettle(Duration.ofMinutes(9), Duration.ofMinutes(1));
    assertThat(deadLetterTypes()).as("kept for the TTL (10 minutes)").isEmpty();

    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofMinutes(1));

    assertThat(deadLetterTypes()).containsExactlyInAnyOrder("UNKNOWN_RUN", "UNKNOWN_RUN");
    assertThat(harness.events()).filteredOn(e -> e.getType() == EARLY_INPUT_EXPIRED).hasSize(2)
        .allSatisfy(e -> assertThat(e.getDetail()).contains("no request for run ghost"));

    harness.request("ghost", "payment", "x"); // too late: the event is gone, the run waits for a new one
    harness.settle();
    assertThat(harness.results()).isEmpty();
  }

  @Test
  void aDecisionWithABadTokenForAnUnknownRunIsRejectedAtOnce() {
    harness.decide(harness.decision("ghost", "refund-review", true, "alice").setToken("forged").build());

    assertThat(deadLetterTypes()).containsExactly("BAD_TOKEN");
    assertThat(harness.events()).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo(DECISION_REJECTED);
      assertThat(e.getRunId()).isEqualTo("ghost");
    });
  }

  @Test
  void anEventArrivingAfterItsWaitWasResolvedIsRecordedAsIgnored() {
    harness.request("r1", "payment-then-nap", "x");
    harness.settle();
    harness.signal("r1", "payment", 150, "psp-1");
    harness.settle();
    harness.events();

    harness.signal("r1", "payment", 200, "psp-2");

    assertThat(harness.events()).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo(AuditEventType.SIGNAL_IGNORED);
      assertThat(e.getDetail()).contains("after the wait for 'payment' was resolved");
      assertThat(e.getWorkflowType()).isEqualTo("payment-then-nap");
    });
  }

  @Test
  void anEventTheRunEndsWithoutAwaitingIsRecordedAsIgnored() {
    harness.request("r1", "payment", "x");
    harness.settle();
    harness.signal("r1", "refund-status", "late", "crm-1"); // nothing in this workflow waits for it
    harness.signal("r1", "payment", 150, "psp-1");
    harness.settle();

    assertThat(harness.events()).filteredOn(e -> e.getType() == SIGNAL_IGNORED).singleElement().satisfies(e -> {
      assertThat(e.getStep()).isEqualTo("refund-status");
      assertThat(e.getDetail()).contains("without awaiting event 'refund-status'");
    });
  }

  @Test
  void aStoredDecisionForAnApprovalTheRunNeverAsksIsRejectedWhenTheRunEnds() {
    harness.request("r1", "payment", "x");
    harness.decide(harness.decision("r1", "no-such-approval", true, "alice").build());
    harness.settle();
    harness.signal("r1", "payment", 150, "psp-1");
    harness.settle();

    assertThat(deadLetterTypes()).containsExactly("UNKNOWN_APPROVAL");
  }

  @Test
  void aJsonDecisionFromAConsoleProducerIsAccepted() {
    startRefund();
    String token = harness.token("r1", "refund-review");
    harness.rawDecision("r1", ("{\"approvalName\":\"refund-review\",\"approved\":true,\"approver\":\"alice\",\"comment\":\"json\",\"token\":\"" + token + "\"}")
        .getBytes(StandardCharsets.UTF_8));
    harness.settle();

    assertThat(output()).isEqualTo("paid 420 (alice: json)");
  }

  @Test
  void anEventThatArrivesBeforeTheWaitIsStoredAndUsed() {
    harness.request("r1", "payment", "x");
    harness.signal("r1", "payment", 250, "psp-1");
    harness.settle();

    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), Integer.class)).isEqualTo(250);
  }

  @Test
  void eventsThatDoNotMatchArePassedOverAndDuplicatesAreIgnored() {
    harness.request("r1", "payment", "x");
    harness.settle();
    harness.events();

    harness.signal("r1", "payment", 20, "psp-1"); // too small: the wait goes on
    harness.settle();
    harness.signal("r1", "payment", 20, "psp-1"); // the same event again
    harness.signal("r1", "payment", 120, "psp-2");
    harness.settle();

    assertThat(types()).containsSubsequence(SIGNAL_RECEIVED, RUN_WAITING, SIGNAL_IGNORED, SIGNAL_RECEIVED, RUN_COMPLETED);
    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), Integer.class)).isEqualTo(120);
  }

  @Test
  void anEventWaitTimesOutExactlyOnceAndALateEventIsNotApplied() {
    harness.request("r1", "payment", "x");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(31), Duration.ofMinutes(1));

    assertThat(PayloadCodec.decode(harness.results().get(0).getOutput(), Integer.class)).isEqualTo(-1);
    assertThat(types()).containsOnlyOnce(WAIT_TIMED_OUT);

    harness.signal("r1", "payment", 500, "late");
    assertThat(deadLetterTypes()).as("merely late: audited, not dead-lettered").isEmpty();
    assertThat(harness.events()).filteredOn(e -> e.getType() == SIGNAL_IGNORED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).startsWith("RUN_FINISHED"));
    assertThat(harness.results()).isEmpty();
  }

  @Test
  void undecodableDecisionsAndSignalsGoToTheDeadLetterTopic() {
    harness.rawDecision("r1", new byte[] {1, 2, 3});
    harness.rawSignal("r1", "{\"data\":1}".getBytes(StandardCharsets.UTF_8));

    assertThat(deadLetterTypes()).containsExactly("UNDECODABLE_DECISION", "INVALID_SIGNAL");
  }

  private void startRefund() {
    harness.request("r1", "refund", new Refund("ada", 420));
    harness.settle();
  }

  private String output() {
    var results = harness.results();
    assertThat(results).hasSize(1);
    assertThat(results.get(0).getStatus()).isEqualTo(RunStatus.COMPLETED);
    return PayloadCodec.decode(results.get(0).getOutput(), String.class);
  }

  private List<String> deadLetterTypes() {
    return harness.deadLetterRecords().stream()
        .map(r -> new String(r.headers().lastHeader("stepstream.error.type").value(), StandardCharsets.UTF_8))
        .toList();
  }

  private List<AuditEventType> types() {
    return harness.eventTypes(harness.events());
  }
}
