package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.PendingApproval;
import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.StepOptions;
import io.stepstream.WorkflowFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class WorkflowTestEnvironmentTest {
  record Order(String id, int amount) {}

  record Receipt(String orderId, int charged, String confirmation) {}

  /** A fake payment API that fails its first {@code failures} calls. */
  static final class FakePayments {
    final AtomicInteger calls = new AtomicInteger();
    final int failures;

    FakePayments(int failures) {
      this.failures = failures;
    }

    Receipt charge(Order order, String idempotencyKey) {
      if (calls.incrementAndGet() <= failures) {
        throw new IllegalStateException("payment service unavailable (call " + calls.get() + ")");
      }
      return new Receipt(order.id(), order.amount(), "conf-" + idempotencyKey);
    }
  }

  private static final RetryPolicy TEN_SECONDS_THEN_DOUBLE =
      RetryPolicy.builder().initialInterval(Duration.ofSeconds(10)).backoffCoefficient(2).jitter(0).maximumAttempts(5).build();

  private static WorkflowTestEnvironment orders(FakePayments payments) {
    return WorkflowTestEnvironment.builder()
        .register("order", Order.class, (ctx, order) -> {
          int validated = ctx.step("validate", Integer.class, s -> order.amount());
          return ctx.step("charge", Receipt.class, StepOptions.retry(TEN_SECONDS_THEN_DOUBLE), s -> payments.charge(order, s.idempotencyKey()))
              .confirmation() + "/" + validated;
        })
        .build();
  }

  @Test
  void aWorkflowWithStepsCompletesAndItsJournalHoldsEachStepsValue() {
    FakePayments payments = new FakePayments(0);
    try (var env = orders(payments)) {
      String runId = env.start("order", new Order("o-1", 42));

      RunResult result = env.result(runId);
      assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(result.output(String.class)).isEqualTo("conf-run-1/charge/42");
      assertThat(env.status(runId)).isEqualTo(RunStatus.COMPLETED);
      assertThat(env.journal(runId)).extracting(JournalRecord::name).containsExactly("validate", "charge");
      JournalRecord charge = env.journal(runId).get(1);
      assertThat(charge.kind()).isEqualTo("STEP");
      assertThat(charge.succeeded()).isTrue();
      assertThat(charge.value(Receipt.class)).isEqualTo(new Receipt("o-1", 42, "conf-run-1/charge"));
      assertThat(charge.valueText()).contains("\"charged\":42");
      assertThat(env.events(runId)).extracting(AuditRecord::type).contains("RUN_STARTED", "STEP_COMPLETED", "RUN_COMPLETED");
      assertThat(payments.calls).hasValue(1);
    }
  }

  @Test
  void aStepResultOfSeveralMegabytesWorksAsInAnEngineWithItsDefaults() {
    try (var env = WorkflowTestEnvironment.builder()
        .register("big", Integer.class, (ctx, n) -> {
          String page = ctx.step("crawl", String.class, s -> "p".repeat(n));
          ctx.sleep("pause", Duration.ofMinutes(1)); // replayed from its claim check
          return ctx.step("measure", Integer.class, s -> page.length()) + ":" + page.substring(0, 3);
        })
        .build()) {
      String runId = env.start("big", 3 * 1024 * 1024);
      env.advanceTime(Duration.ofMinutes(2));

      assertThat(env.result(runId).output(String.class)).isEqualTo((3 * 1024 * 1024) + ":ppp");
      assertThat(env.journal(runId).get(0).value(String.class)).as("the journal shows the value, not the reference").hasSize(3 * 1024 * 1024);
    }
  }

  @Test
  void retriesWaitTheirBackoffInVirtualTimeAndTheJournalCountsTheAttempts() {
    FakePayments payments = new FakePayments(2);
    try (var env = orders(payments)) {
      String runId = env.start("order", new Order("o-2", 7));
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      assertThat(payments.calls).hasValue(1);

      env.advanceTime(Duration.ofSeconds(9));
      assertThat(payments.calls).as("the 10 s backoff has not passed").hasValue(1);
      env.advanceTime(Duration.ofSeconds(1));
      assertThat(payments.calls).hasValue(2);
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);

      env.advanceTime(Duration.ofSeconds(20)); // the second backoff doubles
      assertThat(payments.calls).hasValue(3);
      assertThat(env.result(runId).isCompleted()).isTrue();

      var journal = env.journal(runId);
      assertThat(journal).extracting(JournalRecord::name).containsExactly("validate", "charge@1", "charge@2", "charge");
      JournalRecord first = journal.get(1);
      assertThat(first.succeeded()).isFalse();
      assertThat(first.errorType()).isEqualTo(IllegalStateException.class.getName());
      assertThat(first.errorMessage()).isEqualTo("payment service unavailable (call 1)");
      assertThat(first.dueAt()).isEqualTo(InMemoryEngine.DEFAULT_START.plusSeconds(10));
      assertThat(journal.get(2).dueAt()).isEqualTo(InMemoryEngine.DEFAULT_START.plusSeconds(30));
      assertThat(journal.get(3).attempt()).isEqualTo(3);
      assertThat(journal.get(3).recordedAt()).isEqualTo(InMemoryEngine.DEFAULT_START.plusSeconds(30));
    }
  }

  @Test
  void aSevenDaySleepPassesAtOnceAndTheWorkflowSeesVirtualTime() {
    try (var env = WorkflowTestEnvironment.builder()
        .register("reminder", String.class, (ctx, who) -> {
          ctx.sleep("a-week", Duration.ofDays(7));
          return ctx.now("woke").toString();
        })
        .build()) {
      String runId = env.start("reminder", "alice");
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      assertThat(env.findResult(runId)).isEmpty();
      assertThatThrownBy(() -> env.result(runId)).isInstanceOf(IllegalStateException.class).hasMessageContaining("WAITING");

      env.advanceTime(Duration.ofDays(7).minusSeconds(1));
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      env.advanceTime(Duration.ofSeconds(1));

      Instant start = Instant.parse("2026-01-01T00:00:00Z");
      assertThat(env.result(runId).output(String.class)).isEqualTo(start.plus(Duration.ofDays(7)).toString());
      assertThat(env.now()).isEqualTo(start.plus(Duration.ofDays(7)));
    }
  }

  private static WorkflowTestEnvironment refunds() {
    return WorkflowTestEnvironment.builder()
        .register("refund", Order.class, (ctx, order) -> {
          Approval a = ctx.awaitApproval("manager", ApprovalRequest.of("refund " + order.id()).details(order).approvers("alice"),
              Duration.ofDays(2));
          return a.approved() ? "refunded by " + a.approver() + " (" + a.comment() + ")" : "refused by " + a.approver() + ": " + a.reason();
        })
        .build();
  }

  @Test
  void anApprovedRunGoesOnWithTheApproversComment() {
    try (var env = refunds()) {
      String runId = env.start("refund", new Order("o-3", 120));
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      PendingApproval pending = env.pendingApprovals().get(0);
      assertThat(pending.runId()).isEqualTo(runId);
      assertThat(pending.approvalName()).isEqualTo("manager");
      assertThat(pending.subject()).isEqualTo("refund o-3");
      assertThat(pending.approvers()).containsExactly("alice");
      assertThat(pending.deadline()).isEqualTo(InMemoryEngine.DEFAULT_START.plus(Duration.ofDays(2)));

      env.approve(runId, "manager", "alice", "fine");

      assertThat(env.result(runId).output(String.class)).isEqualTo("refunded by alice (fine)");
      assertThat(env.pendingApprovals()).isEmpty();
      assertThat(env.journal(runId)).extracting(JournalRecord::kind).containsExactly("APPROVAL_WAIT", "APPROVAL");
      assertThat(env.events(runId)).extracting(AuditRecord::type).contains("APPROVAL_REQUESTED", "APPROVAL_DECIDED");
    }
  }

  @Test
  void aRejectedRunSeesTheReason() {
    try (var env = refunds()) {
      String runId = env.start("refund", new Order("o-4", 9000));
      env.reject(runId, "manager", "alice", "too much");
      assertThat(env.result(runId).output(String.class)).isEqualTo("refused by alice: too much");
    }
  }

  @Test
  void anApprovalNobodyDecidesTimesOutAtItsDeadlineAndFailsTheRun() {
    try (var env = refunds()) {
      String runId = env.start("refund", new Order("o-5", 1));
      env.advanceTime(Duration.ofDays(2).minusMillis(1));
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      env.advanceTime(Duration.ofMillis(1));

      RunResult result = env.result(runId);
      assertThat(result.status()).isEqualTo(RunStatus.FAILED);
      assertThat(result.errorType()).isEqualTo("io.stepstream.ApprovalTimeoutException");
      assertThat(result.errorMessage()).contains("approval 'manager'").contains("deadline");
      assertThat(result.finishedAt()).isEqualTo(InMemoryEngine.DEFAULT_START.plus(Duration.ofDays(2)));
      assertThat(env.events(runId)).extracting(AuditRecord::type).contains("APPROVAL_TIMED_OUT");
    }
  }

  @Test
  void aSignalDeliversItsDataToTheWaitingRun() {
    record Shipment(String carrier, String tracking) {}
    try (var env = WorkflowTestEnvironment.builder()
        .register("ship", String.class, (ctx, order) -> {
          Shipment s = ctx.awaitEvent("shipped", Shipment.class, Duration.ofDays(30));
          return order + " via " + s.carrier() + " " + s.tracking();
        })
        .build()) {
      String runId = env.start("ship", "run-ship", "o-6");
      assertThat(runId).isEqualTo("run-ship");
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);

      env.signal(runId, "shipped", new Shipment("DHL", "123"));

      assertThat(env.result(runId).output(String.class)).isEqualTo("o-6 via DHL 123");
      assertThat(env.journal(runId)).filteredOn(e -> e.name().equals("shipped")).singleElement()
          .satisfies(e -> assertThat(e.kind()).isEqualTo("SIGNAL"));
    }
  }

  @Test
  void aStepThatFailsForGoodFailsTheRunNamingTheStepAndTheChosenErrorType() {
    try (var env = WorkflowTestEnvironment.builder()
        .register("pay", Order.class, (ctx, order) -> ctx.step("charge", Receipt.class, s -> {
          throw WorkflowFailure.nonRetryable("CARD_DECLINED", "card of order " + order.id() + " declined");
        }))
        .build()) {
      String runId = env.start("pay", new Order("o-7", 5));

      RunResult result = env.result(runId);
      assertThat(result.status()).isEqualTo(RunStatus.FAILED);
      assertThat(result.failedStep()).contains("charge");
      assertThat(result.errorType()).isEqualTo("CARD_DECLINED");
      assertThat(result.errorMessage()).isEqualTo("step 'charge' failed after 1 attempt(s): CARD_DECLINED: card of order o-7 declined");
      JournalRecord charge = env.journal(runId).get(0);
      assertThat(charge.succeeded()).isFalse();
      assertThat(charge.attempt()).isEqualTo(1);
      assertThat(env.events(runId)).extracting(AuditRecord::type).contains("RUN_FAILED");
    }
  }

  @Test
  void startingAnUnregisteredTypeOrAskingForAnUnknownRunSaysWhatToDo() {
    try (var env = orders(new FakePayments(0))) {
      assertThatThrownBy(() -> env.start("ordr", new Order("x", 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ordr'").hasMessageContaining("[order]");
      assertThatThrownBy(() -> env.status("nope")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nope'");
    }
  }

  @Test
  void anExportedHistoryReadsBackWithEveryEntry(@TempDir Path dir) {
    try (var env = orders(new FakePayments(1))) {
      String runId = env.start("order", new Order("o-8", 3));
      env.advanceTime(Duration.ofSeconds(10));
      Path file = dir.resolve("histories/order.json");
      env.exportHistory(runId, file);

      WorkflowHistory read = WorkflowHistory.readFrom(file);
      assertThat(read.runId()).isEqualTo(runId);
      assertThat(read.workflowType()).isEqualTo("order");
      assertThat(read.status()).contains(RunStatus.COMPLETED);
      assertThat(read.inputText()).isEqualTo("{\"id\":\"o-8\",\"amount\":3}");
      assertThat(read.journal()).extracting(JournalRecord::toString)
          .containsExactlyElementsOf(env.journal(runId).stream().map(JournalRecord::toString).toList());
    }
  }
}
