package io.stepstream.examples.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunStatus;
import io.stepstream.client.Decision;
import io.stepstream.examples.agent.SupportAgent.RefundProposal;
import io.stepstream.examples.agent.SupportAgent.Resolution;
import io.stepstream.examples.agent.SupportAgent.Ticket;
import io.stepstream.testkit.JournalRecord;
import io.stepstream.testkit.WorkflowTestEnvironment;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's agent in the test kit's engine (virtual time), with the real in-process embedding model
 * and the local chat model: what it decides, which steps it journals, approvals of large refunds,
 * and refunds paid once.
 */
@Timeout(120)
class SupportAgentTest {
  final SupportAgent agent = new SupportAgent(OrderStore.sample(), null, null);

  WorkflowTestEnvironment env() {
    return WorkflowTestEnvironment.of(agent);
  }

  @Test
  void aSmallRefundIsLookedUpAndPaidOnceWithoutAsking() {
    try (var env = env()) {
      String runId = env.start(SupportAgent.TYPE, new Ticket("T-1", "customer-1", "I was charged twice for order A-1001, please refund the duplicate charge"));

      Resolution r = env.result(runId).output(Resolution.class);
      assertThat(r.category()).isEqualTo("refund");
      assertThat(r.outcome()).isEqualTo("answered");
      assertThat(r.reply()).contains("We refunded 39.00 EUR");
      assertThat(r.modelCalls()).isEqualTo(3);
      assertThat(r.tokens()).isPositive();
      assertThat(env.result(runId).usage().totalTokens()).as("what the steps reported, summed by the engine").isEqualTo(r.tokens());
      assertThat(agent.orders().refunds()).singleElement()
          .satisfies(refund -> assertThat(refund.idempotencyKey()).isEqualTo(runId + "/think-2:issue_refund-1"));
      assertThat(env.journal(runId)).extracting(JournalRecord::name).containsSubsequence(
          "embed-ticket", "classify", "think-1", "think-1:lookup_order-1", "think-2", "think-2:issue_refund-1", "think-3");
    }
  }

  @Test
  void aLargeRefundWaitsForAHumanAndPaysTheAmountTheyApproved() {
    try (var env = env()) {
      String runId = env.start(SupportAgent.TYPE, new Ticket("T-3", "customer-3", "My laptop from order A-1003 arrived broken, I want a refund"));
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      assertThat(env.pendingApprovals()).singleElement().satisfies(p -> {
        assertThat(p.approvalName()).isEqualTo("refund-A-1003");
        assertThat(p.subject()).isEqualTo("Refund 1299.00 EUR for order A-1003 (customer-3, ticket T-3)");
      });
      assertThat(agent.orders().refunds()).isEmpty();

      env.decide(Decision.approve(runId, "refund-A-1003").approver("carol").edited(new RefundProposal("A-1003", 1000, "customer-3")));

      Resolution r = env.result(runId).output(Resolution.class);
      assertThat(r.reply()).contains("We refunded 1000.00 EUR");
      assertThat(r.actions()).contains("refund of 1000.00 EUR for A-1003 approved by carol");
      assertThat(agent.orders().refunds()).singleElement().satisfies(refund -> assertThat(refund.amount()).isEqualTo(1000));
    }
  }

  @Test
  void aRejectedRefundPaysNothingAndTheModelIsToldWhy() {
    try (var env = env()) {
      String runId = env.start(SupportAgent.TYPE, new Ticket("T-4", "customer-1", "Refund my order A-1004 please, the monitor has dead pixels"));
      env.reject(runId, "refund-A-1004", "carol", "send it back first");

      Resolution r = env.result(runId).output(Resolution.class);
      assertThat(r.reply()).contains("The refund could not be made: refund of 249.0 EUR for A-1004 rejected by carol: send it back first");
      assertThat(agent.orders().refunds()).isEmpty();
    }
  }

  @Test
  void shippingBugAndQuestionTicketsAreClassifiedByTheirMeaning() {
    try (var env = env()) {
      String shipping = env.start(SupportAgent.TYPE, new Ticket("T-2", "customer-2", "Where is my parcel? Order A-1002 still has not come"));
      String bug = env.start(SupportAgent.TYPE, new Ticket("T-5", "customer-2", "The app shows an error and closes whenever I upload a photo"));
      String question = env.start(SupportAgent.TYPE, new Ticket("T-6", "customer-3", "How can I export my data to a spreadsheet?"));

      Resolution s = env.result(shipping).output(Resolution.class);
      assertThat(s.category()).isEqualTo("shipping");
      assertThat(s.reply()).contains("in transit").contains("DHL");
      assertThat(env.result(bug).output(Resolution.class).category()).isEqualTo("bug");
      Resolution q = env.result(question).output(Resolution.class);
      assertThat(q.category()).isEqualTo("question");
      assertThat(q.reply()).contains("Export data");
    }
  }

  @Test
  void aRunWhoseTokenBudgetIsUsedUpHandsTheTicketToAHuman() {
    try (var env = env()) {
      String runId = env.start(SupportAgent.TYPE, new Ticket("T-7", "customer-1",
          "Refund order A-1001, I was charged twice, and honestly this is the third time this year", 150L));

      Resolution r = env.result(runId).output(Resolution.class);
      assertThat(r.outcome()).isEqualTo("budget-exceeded");
      assertThat(r.reply()).startsWith("A colleague will take over this ticket").contains("used up");
      assertThat(r.tokens()).isGreaterThanOrEqualTo(150);
      assertThat(env.result(runId).usage().totalTokens()).as("the engine's total, what the budget acted on").isEqualTo(r.tokens());
      assertThat(agent.orders().refunds()).isEmpty();
    }
  }

  @Test
  void withTheDemosModelLimiterEveryChatCallWaitsForAPermitAndTheTicketStillEndsTheSame() {
    SupportAgent limited = new SupportAgent(OrderStore.sample(), null, null).withModelLimiter(SupportAgent.MODEL_LIMITER);
    try (var env = WorkflowTestEnvironment.builder()
        .limiter(io.stepstream.engine.Limiter.named(SupportAgent.MODEL_LIMITER).maxConcurrent(1).requestsPerSecond(1))
        .register(limited)
        .build()) {
      String runId = env.start(SupportAgent.TYPE, new Ticket("T-1", "customer-1", "I was charged twice for order A-1001, please refund the duplicate charge"));
      // three chat calls at one per second: the second and third wait (virtual time) for their permits
      assertThat(env.status(runId)).isEqualTo(io.stepstream.RunStatus.WAITING);
      env.advanceTime(java.time.Duration.ofSeconds(3));

      Resolution r = env.result(runId).output(Resolution.class);
      assertThat(r.outcome()).isEqualTo("answered");
      assertThat(r.reply()).contains("We refunded 39.00 EUR");
      assertThat(r.modelCalls()).isEqualTo(3);
      assertThat(limited.orders().refunds()).singleElement();
      assertThat(env.journal(runId)).extracting(JournalRecord::name)
          .filteredOn(n -> n.startsWith("$permit:think-")).as("one granted permit per chat call").hasSize(3);
    }
  }
}
