package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.ApprovalRequest;
import io.stepstream.NonDeterminismException;
import io.stepstream.RunStatus;
import io.stepstream.Workflow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class WorkflowReplayerTest {
  record Order(String id, int amount) {}

  record Receipt(String orderId, int charged) {}

  /** Counts every step body that runs: a replay must run none. */
  private final AtomicInteger bodies = new AtomicInteger();

  /** Version 1 of the workflow, whose runs are recorded. */
  private final Workflow<Order, String> v1 = (ctx, order) -> {
    int amount = ctx.step("validate", Integer.class, s -> bodies.incrementAndGet() * 0 + order.amount());
    ctx.sleep("cool-off", Duration.ofHours(1));
    Receipt r = ctx.step("charge", Receipt.class, s -> {
      bodies.incrementAndGet();
      return new Receipt(order.id(), amount);
    });
    return r.orderId() + ":" + r.charged();
  };

  private WorkflowHistory recordedRun() {
    try (var env = WorkflowTestEnvironment.builder().register("order", Order.class, v1).build()) {
      String runId = env.start("order", new Order("o-1", 42));
      env.advanceTime(Duration.ofHours(1));
      assertThat(env.result(runId).output(String.class)).isEqualTo("o-1:42");
      return env.history(runId);
    }
  }

  private static ReplayReport replay(WorkflowHistory history, Workflow<Order, String> code) {
    return WorkflowReplayer.builder().register("order", Order.class, code).build().replay(history);
  }

  /** Fan-out: two parallel branches, then a step on both results. */
  private final Workflow<Order, String> fanOut = (ctx, order) -> {
    var price = ctx.stepAsync("price", Integer.class, s -> { bodies.incrementAndGet(); return order.amount(); });
    var stock = ctx.stepAsync("stock", Boolean.class, s -> { bodies.incrementAndGet(); return true; });
    int p = price.get();
    boolean inStock = stock.get();
    return ctx.step("quote", String.class, s -> { bodies.incrementAndGet(); return order.id() + ":" + p + ":" + inStock; });
  };

  @Test
  void parallelBranchesReplayFromTheirHistoryAndANewBranchIsReportedWithoutRunningIt() {
    WorkflowHistory history;
    try (var env = WorkflowTestEnvironment.builder().register("order", Order.class, fanOut).build()) {
      String runId = env.start("order", new Order("o-2", 7));
      assertThat(env.result(runId).output(String.class)).isEqualTo("o-2:7:true");
      history = env.history(runId);
    }
    int recorded = bodies.get();

    ReplayReport same = replay(history, fanOut);
    ReplayReport changed = replay(history, (ctx, order) -> {
      var price = ctx.stepAsync("price", Integer.class, s -> { bodies.incrementAndGet(); return order.amount(); });
      var tax = ctx.stepAsync("tax", Integer.class, s -> { bodies.incrementAndGet(); return 1; });
      return order.id() + ":" + (price.get() + tax.get());
    });

    assertThat(same.deterministic()).as(same.toString()).isTrue();
    assertThat(changed.deterministic()).isFalse();
    assertThat(changed.historyEndedAt()).isEqualTo("tax");
    assertThat(bodies).as("no branch body runs during a replay").hasValue(recorded);
  }

  @Test
  void theSameCodeReplaysAFinishedRunWithoutRunningAnyStepBody() {
    WorkflowHistory history = recordedRun();
    int ranWhileRecording = bodies.get();

    ReplayReport report = replay(history, v1);

    assertThat(report.deterministic()).as(report.toString()).isTrue();
    assertThat(report.recordedStatus()).isEqualTo("COMPLETED");
    assertThat(bodies).as("no step body runs during a replay").hasValue(ranWhileRecording);
    report.assertDeterministic();
  }

  @Test
  void aStepTheHistoryDoesNotHaveIsReportedForAFinishedRunWithoutRunningIt() {
    WorkflowHistory history = recordedRun();
    int before = bodies.get();
    ReplayReport report = replay(history, (ctx, order) -> {
      ctx.step("validate", Integer.class, s -> order.amount());
      ctx.sleep("cool-off", Duration.ofHours(1));
      ctx.step("fraud-check", Boolean.class, s -> bodies.incrementAndGet() > 0);
      return ctx.step("charge", Receipt.class, s -> new Receipt("x", 0)).orderId();
    });

    assertThat(report.deterministic()).isFalse();
    assertThat(report.problem()).contains("run run-1").contains("the code now runs step 'fraud-check', which the history does not have");
    assertThat(report.historyEndedAt()).isEqualTo("fraud-check");
    assertThat(bodies).hasValue(before);
  }

  @Test
  void aRemovedStepIsReportedAsJournaledButNoLongerReached() {
    ReplayReport report = replay(recordedRun(), (ctx, order) -> {
      ctx.sleep("cool-off", Duration.ofHours(1));
      return ctx.step("charge", Receipt.class, s -> new Receipt("x", 0)).orderId();
    });

    assertThat(report.problem()).contains("journaled steps the code no longer reaches: [validate]");
  }

  @Test
  void aNameRecordedByAnotherKindOfCallIsNonDeterministic() {
    ReplayReport report = replay(recordedRun(), (ctx, order) -> {
      ctx.step("validate", Integer.class, s -> order.amount());
      ctx.step("cool-off", String.class, s -> "no more waiting");
      return "changed";
    });

    assertThat(report.problem()).contains("'cool-off' was recorded by a SLEEP call but the code now reaches it with step");
    assertThatThrownBy(report::assertDeterministic).isInstanceOf(NonDeterminismException.class).hasMessageContaining("'cool-off'");
  }

  @Test
  void anUnnamedRecordedValueAddedBeforeRecordedEntriesShiftsThemAndIsReported() {
    ReplayReport report = replay(recordedRun(), (ctx, order) -> {
      ctx.now(); // new, unnamed: every later unnamed value would move
      int amount = ctx.step("validate", Integer.class, s -> order.amount());
      ctx.sleep("cool-off", Duration.ofHours(1));
      return ctx.step("charge", Receipt.class, s -> new Receipt(order.id(), amount)).orderId();
    });

    assertThat(report.problem()).contains("'validate' was recorded after 0 unnamed recorded value(s)").contains("now reaches it after 1");
  }

  @Test
  void aRecordedValueTheNewTypesCannotDecodeIsReported() {
    record Charged(java.util.UUID transaction) {}
    ReplayReport report = replay(recordedRun(), (ctx, order) -> {
      ctx.step("validate", Integer.class, s -> order.amount());
      ctx.sleep("cool-off", Duration.ofHours(1));
      return ctx.step("charge", Charged.class, s -> new Charged(null)).toString();
    });

    assertThat(report.problem()).contains("step 'charge'").contains(Charged.class.getName());
  }

  @Test
  void aRunStillWaitingMayGoOnPastItsHistory() {
    Workflow<Order, String> withApproval = (ctx, order) -> {
      ctx.step("validate", Integer.class, s -> order.amount());
      ctx.awaitApproval("manager", ApprovalRequest.of("order " + order.id()), Duration.ofDays(1));
      return ctx.step("charge", Receipt.class, s -> new Receipt(order.id(), 1)).orderId();
    };
    WorkflowHistory waiting;
    try (var env = WorkflowTestEnvironment.builder().register("order", Order.class, withApproval).build()) {
      String runId = env.start("order", new Order("o-2", 5));
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      waiting = env.history(runId);
    }
    ReplayReport changedAfterTheWait = replay(waiting, (ctx, order) -> {
      ctx.step("validate", Integer.class, s -> order.amount());
      ctx.awaitApproval("manager", ApprovalRequest.of("order " + order.id()), Duration.ofDays(1));
      ctx.step("notify", String.class, s -> "new step after the wait: fine for runs still waiting");
      return "v2";
    });

    assertThat(changedAfterTheWait.deterministic()).as(changedAfterTheWait.toString()).isTrue();
    assertThat(changedAfterTheWait.recordedStatus()).isEqualTo("WAITING");
  }

  @Test
  void historyFilesAreACiGateThatNamesEveryRunThatNoLongerReplays(@TempDir Path dir) {
    recordedRun().writeTo(dir.resolve("a-completed-order.json"));
    WorkflowReplayer sameCode = WorkflowReplayer.builder().register("order", Order.class, v1).build();
    assertThat(sameCode.replayFiles(dir).assertDeterministic().all()).hasSize(1);

    WorkflowReplayer renamed = WorkflowReplayer.builder().register("order", Order.class, (ctx, order) -> {
      ctx.step("validate", Integer.class, s -> order.amount());
      ctx.sleep("cool-off", Duration.ofHours(1));
      return ctx.step("charge-card", Receipt.class, s -> new Receipt("x", 0)).orderId();
    }).build();
    ReplayReports reports = renamed.replay(HistorySource.fromFiles(dir));
    assertThat(reports.allDeterministic()).isFalse();
    assertThatThrownBy(reports::assertDeterministic)
        .isInstanceOf(NonDeterminismException.class)
        .hasMessageContaining("1 of 1 replayed histories do not match")
        .hasMessageContaining("run-1 (order, COMPLETED)")
        .hasMessageContaining("'charge-card'");
  }

  @Test
  void aHistoryOfATypeTheReplayerDoesNotKnowIsReported() {
    ReplayReports reports = WorkflowReplayer.builder().register("invoice", Order.class, v1).build().replay(List.of(recordedRun()));
    assertThat(reports.nonDeterministic()).singleElement()
        .satisfies(r -> assertThat(r.problem()).contains("'order' is not registered with the replayer (registered: [invoice])"));
  }
}
