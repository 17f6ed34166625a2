package io.stepstream.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunStatus;
import io.stepstream.examples.SupportWorkflows.CustomerReply;
import io.stepstream.examples.SupportWorkflows.FollowUp;
import io.stepstream.examples.SupportWorkflows.Refund;
import io.stepstream.examples.SupportWorkflows.Reply;
import io.stepstream.examples.SupportWorkflows.Ticket;
import io.stepstream.testkit.JournalRecord;
import io.stepstream.testkit.WorkflowReplayer;
import io.stepstream.testkit.WorkflowTestEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's workflows in the test kit's in-memory engine (virtual time: the refund's day and the
 * follow-up's three days pass at once), and the replay gate: every history recorded under
 * {@code src/test/resources/histories} must still replay against the current code.
 */
@Timeout(60)
class SupportWorkflowsTest {
  static final Path HISTORIES = Path.of("src/test/resources/histories");

  @Test
  void triageClassifiesLooksUpAndDraftsAReply() {
    try (var env = WorkflowTestEnvironment.of(new SupportWorkflows())) {
      String runId = env.start(SupportWorkflows.TRIAGE, new Ticket("T-1", "ada", "I was charged twice, please refund"));

      Reply reply = env.result(runId).output(Reply.class);
      assertThat(reply.category()).isEqualTo("billing");
      assertThat(reply.reply()).startsWith("[billing] Thanks for reaching out.").endsWith("reply " + runId + "/draft-reply)");
      assertThat(reply.draftedAt()).isEqualTo(env.now());
      assertThat(env.journal(runId)).extracting(JournalRecord::name)
          .containsExactly("$version:redact-pii", "redact-pii", "classify", "lookup-customer", "draft-reply", "$now:1");
    }
  }

  @Test
  void newRunsRedactEmailAddressesBeforeClassifyingWhileRunsRecordedBeforeTheChangeKeepTheirPath() {
    try (var env = WorkflowTestEnvironment.of(new SupportWorkflows())) {
      String runId = env.start(SupportWorkflows.TRIAGE, new Ticket("T-3", "ada", "refund to ada.l@example.org please"));

      JournalRecord redacted = env.journal(runId).stream().filter(e -> e.name().equals("redact-pii")).findFirst().orElseThrow();
      assertThat(redacted.value(String.class)).isEqualTo("refund to [email] please");
      assertThat(env.journal(runId).get(0).value(Integer.class)).as("the version this run took").isEqualTo(1);
    }
    // triage-completed.json was recorded before the change: it has no marker and replays on the old path
    WorkflowReplayer.of(new SupportWorkflows()).replayFiles(HISTORIES.resolve("triage-completed.json")).assertDeterministic();
  }

  @Test
  void anApprovedRefundIsPaidAndARejectedOneIsNot() {
    try (var env = WorkflowTestEnvironment.of(new SupportWorkflows())) {
      String approved = env.start(SupportWorkflows.REFUND, new Refund("ada", 30));
      String rejected = env.start(SupportWorkflows.REFUND, new Refund("bob", 3000));
      assertThat(env.pendingApprovals()).extracting(p -> p.runId() + ": " + p.subject())
          .containsExactly(approved + ": Refund 30 to ada", rejected + ": Refund 3000 to bob");

      env.approve(approved, "refund-review", "carol");
      env.reject(rejected, "refund-review", "carol", "over the limit");

      assertThat(env.result(approved).output(String.class))
          .isEqualTo("refunded 30 to ada (approved by carol, payment key " + approved + "/pay)");
      assertThat(env.result(rejected).output(String.class)).isEqualTo("refund rejected by carol: over the limit");
    }
  }

  @Test
  void aRefundNobodyDecidesWithinADayRefundsNothing() {
    try (var env = WorkflowTestEnvironment.of(new SupportWorkflows())) {
      String runId = env.start(SupportWorkflows.REFUND, new Refund("ada", 30));
      env.advanceTime(Duration.ofDays(1));
      assertThat(env.result(runId).output(String.class)).isEqualTo("no decision within a day: nothing refunded");
    }
  }

  @Test
  void aFollowUpRoutesTheCustomersAnswerOrClosesAfterThreeDaysOfSilence() {
    try (var env = WorkflowTestEnvironment.of(new SupportWorkflows())) {
      String answered = env.start(SupportWorkflows.FOLLOW_UP, new Ticket("T-2", "ada", "the app"));
      String silent = env.start(SupportWorkflows.FOLLOW_UP, new Ticket("T-3", "bob", "the app"));
      assertThat(env.status(answered)).isEqualTo(RunStatus.WAITING);

      env.signal(answered, SupportWorkflows.CUSTOMER_REPLY, new CustomerReply("it crashes on start"));
      assertThat(env.result(answered).output(FollowUp.class).resolution()).isEqualTo("routed to bug");

      env.advanceTime(Duration.ofDays(3));
      FollowUp closed = env.result(silent).output(FollowUp.class);
      assertThat(closed.answer()).isNull();
      assertThat(closed.resolution()).isEqualTo("closed: no answer within 3 days");
    }
  }

  /** The CI gate: a change to these workflows that in-flight or recorded runs could not replay fails the build. */
  @Test
  void everyRecordedHistoryStillReplaysAgainstTheCurrentCode() {
    var reports = WorkflowReplayer.of(new SupportWorkflows()).replayFiles(HISTORIES).assertDeterministic();
    assertThat(reports.all()).hasSizeGreaterThanOrEqualTo(3);
  }

  /**
   * Records the histories the gate replays. Run when a workflow's behaviour changes on purpose:
   * {@code mvn -pl examples/workflows -am test -Dtest=SupportWorkflowsTest -Dstepstream.histories.record=true -Dsurefire.failIfNoSpecifiedTests=false}.
   */
  @Test
  void recordHistoriesWhenAsked() {
    if (!Boolean.getBoolean("stepstream.histories.record")) {
      return;
    }
    try (var env = WorkflowTestEnvironment.of(new SupportWorkflows())) {
      env.exportHistory(env.start(SupportWorkflows.TRIAGE, "triage-1", new Ticket("T-1", "ada", "error on login")),
          HISTORIES.resolve("triage-completed.json"));
      String refund = env.start(SupportWorkflows.REFUND, "refund-1", new Refund("ada", 30));
      env.exportHistory(refund, HISTORIES.resolve("refund-waiting.json"));
      env.approve(refund, "refund-review", "carol", "ok");
      env.exportHistory(refund, HISTORIES.resolve("refund-approved.json"));
      String followUp = env.start(SupportWorkflows.FOLLOW_UP, "follow-up-1", new Ticket("T-2", "bob", "the app"));
      env.advanceTime(Duration.ofDays(3));
      env.exportHistory(followUp, HISTORIES.resolve("follow-up-timed-out.json"));
    }
  }
}
