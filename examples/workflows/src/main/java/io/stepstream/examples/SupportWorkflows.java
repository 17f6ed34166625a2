package io.stepstream.examples;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.EventTimeoutException;
import io.stepstream.Workflow;
import io.stepstream.WorkflowContext;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The workflows of {@code ./stepstream demo}, and an example of a workflows jar the runnable engine
 * can host: {@code stepstream engine --workflows stepstream-example-workflows.jar ...} finds this
 * class through {@code META-INF/services/io.stepstream.WorkflowRegistrar}. It depends on
 * {@code stepstream-api} only.
 *
 * <p>{@value #TRIAGE}: a support-ticket agent with three steps; {@value #REFUND}: a refund a human
 * approves; {@value #FOLLOW_UP}: a question to the customer, whose answer arrives as a signal.
 * {@code examples/python} and {@code examples/node} drive them from other languages.
 *
 * <p>A support-ticket agent with three steps. The "LLM" and "CRM" are simulated (a short
 * sleep, like a remote call) so the demo needs no network; swap them for real clients and nothing
 * else changes.
 */
public final class SupportWorkflows implements WorkflowRegistrar {
  public static final String TRIAGE = "support-triage";
  public static final String REFUND = "refund-approval";
  public static final String FOLLOW_UP = "support-follow-up";
  /** The signal {@link #FOLLOW_UP_WORKFLOW} waits for: the customer's answer, keyed by the run id. */
  public static final String CUSTOMER_REPLY = "customer-reply";

  /** A refund an agent proposes and a human must approve. */
  public record Refund(String customer, int amount) {}

  /** A support ticket. */
  public record Ticket(String id, String customer, String text) {}

  /** The data of a {@value #CUSTOMER_REPLY} signal. */
  public record CustomerReply(String text) {}

  /** How a follow-up ended: the question asked, the customer's answer (null if none came) and what was done. */
  public record FollowUp(String ticketId, String question, String answer, String resolution) {}

  /** What the classifier decided. */
  public record Triage(String category, double confidence) {}

  /** The agent's answer. */
  public record Reply(String ticketId, String category, String reply, Instant draftedAt) {}

  /** Classify, look up the customer, draft a reply: each a durable step. */
  public static final Workflow<Ticket, Reply> TRIAGE_WORKFLOW =
      (ctx, ticket) -> {
        String text = ticket.text();
        // added while runs were in flight: runs that classified before this change keep the old path
        // (their recorded histories under src/test/resources/histories still replay: SupportWorkflowsTest)
        if (ctx.version("redact-pii", WorkflowContext.DEFAULT_VERSION, 1) >= 1) {
          text = ctx.step("redact-pii", String.class, s -> redact(ticket.text()));
        }
        String toClassify = text;
        Triage triage = ctx.step("classify", Triage.class, s -> classify(toClassify));
        String history = ctx.step("lookup-customer", String.class, s -> lookupCustomer(ticket.customer()));
        String reply = ctx.step("draft-reply", String.class, s -> draft(triage, history, s.idempotencyKey()));
        return new Reply(ticket.id(), triage.category(), reply, ctx.now());
      };

  /** Asks a human (for a day) before paying; pays the amount they approved, possibly edited. */
  public static final Workflow<Refund, String> REFUND_WORKFLOW =
      (ctx, refund) -> {
        Approval a =
            ctx.awaitApproval("refund-review",
                ApprovalRequest.of("Refund " + refund.amount() + " to " + refund.customer()).details(refund).timedOutDecisionOnTimeout(),
                Duration.ofDays(1));
        if (a.timedOut()) {
          return "no decision within a day: nothing refunded";
        }
        if (!a.approved()) {
          return "refund rejected by " + a.approver() + ": " + a.reason();
        }
        Refund approved = a.edited(Refund.class).orElse(refund);
        return ctx.step("pay", String.class, s -> "refunded " + approved.amount() + " to " + approved.customer()
            + " (approved by " + a.approver() + ", payment key " + s.idempotencyKey() + ")");
      };

  /**
   * Asks the customer a question, then waits (three days, durably, no thread held) for their answer: a
   * {@value #CUSTOMER_REPLY} signal on the signals topic, keyed by the run id, e.g. {@code
   * {"name":"customer-reply","data":{"text":"it crashes on start"}}}.
   */
  public static final Workflow<Ticket, FollowUp> FOLLOW_UP_WORKFLOW =
      (ctx, ticket) -> {
        String question = ctx.step("ask-customer", String.class, s -> askCustomer(ticket, s.idempotencyKey()));
        CustomerReply answer;
        try {
          answer = ctx.awaitEvent(CUSTOMER_REPLY, CustomerReply.class, Duration.ofDays(3));
        } catch (EventTimeoutException e) {
          return new FollowUp(ticket.id(), question, null, "closed: no answer within 3 days");
        }
        Triage triage = ctx.step("classify-answer", Triage.class, s -> classify(answer.text()));
        return new FollowUp(ticket.id(), question, answer.text(), "routed to " + triage.category());
      };

  /** For {@link java.util.ServiceLoader}. */
  public SupportWorkflows() {}

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows
        .register(TRIAGE, Ticket.class, TRIAGE_WORKFLOW)
        .register(REFUND, Refund.class, REFUND_WORKFLOW)
        .register(FOLLOW_UP, Ticket.class, FOLLOW_UP_WORKFLOW);
  }

  /** E-mail addresses out of what goes to the classifier. */
  static String redact(String text) {
    return text.replaceAll("[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+", "[email]");
  }

  static Triage classify(String text) throws InterruptedException {
    simulatedLatency();
    String t = text.toLowerCase(Locale.ROOT);
    if (t.contains("refund") || t.contains("charge")) {
      return new Triage("billing", 0.92);
    }
    if (t.contains("error") || t.contains("crash")) {
      return new Triage("bug", 0.81);
    }
    return new Triage("question", 0.64);
  }

  static String askCustomer(Ticket ticket, String messageId) throws InterruptedException {
    simulatedLatency();
    return "Hello " + ticket.customer() + ", what exactly happens when you see \"" + ticket.text() + "\"? (message " + messageId + ")";
  }

  static String lookupCustomer(String customer) throws InterruptedException {
    simulatedLatency();
    return customer + " has been a customer for " + (2 + Math.abs(customer.hashCode() % 7)) + " years";
  }

  static String draft(Triage triage, String history, String idempotencyKey) throws InterruptedException {
    simulatedLatency();
    return "[" + triage.category() + "] Thanks for reaching out. (" + history + "; reply " + idempotencyKey + ")";
  }

  private static void simulatedLatency() throws InterruptedException {
    Thread.sleep(ThreadLocalRandom.current().nextInt(20, 80));
  }
}
