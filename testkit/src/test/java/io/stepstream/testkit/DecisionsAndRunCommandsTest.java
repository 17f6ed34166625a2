package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.CancelResult;
import io.stepstream.ResumeResult;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.Decision;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the test kit does that a client does besides start/approve/signal: decide with changes, cancel, resume. */
@Timeout(60)
class DecisionsAndRunCommandsTest {
  record Refund(String customer, int amount) {}

  @Test
  void aRefundApprovedWithALowerEditedAmountPaysTheEditedAmount() {
    List<Integer> paid = new CopyOnWriteArrayList<>();
    try (var env = WorkflowTestEnvironment.builder()
        .register("refund", Refund.class, (ctx, proposed) -> {
          Approval a = ctx.awaitApproval("manager", ApprovalRequest.of("refund " + proposed.customer()).details(proposed)
              .approvers("alice").groups("support-leads"), Duration.ofDays(2));
          Refund refund = a.edited(Refund.class).orElse(proposed);
          return ctx.step("pay", Integer.class, s -> {
            paid.add(refund.amount());
            return refund.amount();
          }) + " paid, " + a.comment();
        })
        .build()) {
      String runId = env.start("refund", new Refund("ada", 120));

      env.decide(Decision.approve(runId, "manager").approver("bob").groups("support-leads").comment("half is fair")
          .edited(new Refund("ada", 60)));

      assertThat(env.result(runId).output(String.class)).isEqualTo("60 paid, half is fair");
      assertThat(paid).containsExactly(60);
      assertThat(env.journal(runId)).extracting(JournalRecord::kind).containsExactly("APPROVAL_WAIT", "APPROVAL", "STEP");
    }
  }

  @Test
  void anApprovalDecidedWithoutAnEditSeesTheProposedValue() {
    try (var env = WorkflowTestEnvironment.builder()
        .register("refund", Refund.class, (ctx, proposed) -> {
          Approval a = ctx.awaitApproval("manager", ApprovalRequest.of("refund").details(proposed), Duration.ofDays(2));
          return a.edited(Refund.class).orElse(proposed).amount();
        })
        .build()) {
      String runId = env.start("refund", new Refund("ada", 120));
      env.decide(Decision.approve(runId, "manager").approver("alice"));
      assertThat(env.result(runId).output(Integer.class)).isEqualTo(120);
    }
  }

  @Test
  void aSleepingRunThatIsCancelledRunsItsCompensationAndEndsCancelled() {
    List<String> cancelledBookings = new CopyOnWriteArrayList<>();
    AtomicBoolean paid = new AtomicBoolean();
    try (var env = WorkflowTestEnvironment.builder()
        .register("trip", String.class, (ctx, who) -> {
          String booking = ctx.step("book-hotel", String.class, s -> "hotel-for-" + who);
          ctx.addCompensation("hotel", s -> {
            cancelledBookings.add(booking);
            return null;
          });
          ctx.sleep("cool-off", Duration.ofDays(1));
          return ctx.step("pay", String.class, s -> {
            paid.set(true);
            return "paid";
          });
        })
        .build()) {
      String runId = env.start("trip", "ada");
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);

      CancelResult answer = env.cancel(runId, "customer changed their mind");

      assertThat(answer.accepted()).as(answer.detail()).isTrue();
      assertThat(answer.detail()).contains("customer changed their mind");
      RunResult result = env.result(runId);
      assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(cancelledBookings).containsExactly("hotel-for-ada");
      assertThat(env.journal(runId)).extracting(JournalRecord::name).contains("compensate:hotel").doesNotContain("pay");
      assertThat(env.events(runId)).extracting(AuditRecord::type).contains("CANCEL_REQUESTED", "RUN_CANCELLED");

      env.advanceTime(Duration.ofDays(2)); // the dropped sleep does not wake it
      assertThat(paid).isFalse();
      assertThat(cancelledBookings).hasSize(1);
      CancelResult again = env.cancel(runId, "again");
      assertThat(again.accepted()).isFalse();
      assertThat(again.detail()).contains("already ended CANCELLED");
    }
  }

  @Test
  void cancellingOrResumingARunThatDoesNotExistIsRejectedWithTheReason() {
    try (var env = WorkflowTestEnvironment.builder().register("noop", String.class, (ctx, in) -> in).build()) {
      assertThat(env.cancel("ghost", "x")).isEqualTo(new CancelResult("ghost", false, "no run ghost exists; nothing to cancel"));
      assertThat(env.resume("ghost")).isEqualTo(new ResumeResult("ghost", false, "no run ghost exists; nothing to resume"));
    }
  }

  @Test
  void aParkedRunIsResumedWithTheCodeRegisteredNowAndFinishes() {
    // stands for a bad deploy and its fix: while set, the code reaches the recorded step "check" with a sleep
    AtomicBoolean badDeploy = new AtomicBoolean();
    try (var env = WorkflowTestEnvironment.builder()
        .register("checked", String.class, (ctx, in) -> {
          if (badDeploy.get()) {
            ctx.sleep("check", Duration.ofMinutes(1));
          } else {
            ctx.step("check", String.class, s -> "ok");
          }
          ctx.sleep("nap", Duration.ofHours(1));
          return in + " done";
        })
        .build()) {
      String runId = env.start("checked", "job");
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      assertThat(env.resume(runId).accepted()).isFalse(); // only parked runs are resumed

      badDeploy.set(true);
      env.advanceTime(Duration.ofHours(1)); // the nap ends; the replay meets 'check' as a sleep
      assertThat(env.status(runId)).isEqualTo(RunStatus.PARKED);
      assertThat(env.events(runId)).extracting(AuditRecord::type).contains("RUN_PARKED");

      ResumeResult stillBroken = env.resume(runId); // re-dispatched with the same code: parks again
      assertThat(stillBroken.accepted()).as(stillBroken.detail()).isTrue();
      assertThat(env.status(runId)).isEqualTo(RunStatus.PARKED);

      badDeploy.set(false);
      ResumeResult fixed = env.resume(runId);

      assertThat(fixed.accepted()).isTrue();
      assertThat(fixed.detail()).contains("was parked");
      assertThat(env.result(runId).output(String.class)).isEqualTo("job done");
      assertThat(env.events(runId)).extracting(AuditRecord::type).filteredOn("RESUME_REQUESTED"::equals).hasSize(2);
      assertThat(env.resume(runId).detail()).contains("COMPLETED, not PARKED");
    }
  }
}
