package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any interleaving of decisions (some repeated), time passing and executions failing mid-way
 * resolves the approval exactly once: by the first decision sent before the deadline (which runs
 * from when the run reached the wait; earlier decisions are stored and count), or by the
 * timeout if there was none. Every execution of the step after it sees that same decision, the step
 * is journaled once, and there is exactly one result.
 */
class DecisionInterleavingPropertyTest {
  private static final Duration DEADLINE = Duration.ofMinutes(60);

  /** What the property tracks while actions are applied. */
  static final class Model {
    final OrchestratorHarness harness;
    long elapsedMinutes;
    /** Decisions in the order sent: minute sent, approved. */
    final List<long[]> sent = new ArrayList<>();
    io.stepstream.avro.ApprovalDecision last;

    Model(OrchestratorHarness harness) {
      this.harness = harness;
    }
  }

  /** One thing that happens to the run. */
  interface Action {
    void apply(Model m);
  }

  /** A valid decision; the first one sent before the deadline is the one that must count. */
  record Decide(boolean approved) implements Action {
    public void apply(Model m) {
      m.last = m.harness.decision("r", "ok", approved, "alice").build();
      m.harness.decide(m.last);
      m.sent.add(new long[] {m.elapsedMinutes, approved ? 1 : 0});
    }
  }

  /** The last decision delivered again (a retry, a double click). */
  record Resend() implements Action {
    public void apply(Model m) {
      if (m.last != null) {
        m.harness.decide(m.last);
      }
    }
  }

  record Advance(int minutes) implements Action {
    public void apply(Model m) {
      m.harness.advanceWallClock(Duration.ofMinutes(minutes));
      m.elapsedMinutes += minutes;
    }
  }

  /** Executions run and their outcomes arrive. */
  record Settle() implements Action {
    public void apply(Model m) {
      m.harness.settle();
    }
  }

  /** The next execution dies before its outcome is written; the run is dispatched again. */
  record ExecutorCrash() implements Action {
    public void apply(Model m) {
      m.harness.publisher.failNext(1);
    }
  }

  @Property(tries = 60)
  void anApprovalIsResolvedExactlyOnceWhateverTheInterleaving(@ForAll("actions") List<Action> actions) {
    List<String> acted = new CopyOnWriteArrayList<>();
    Workflow<String, String> workflow =
        (ctx, in) -> {
          Approval a = ctx.awaitApproval("ok", ApprovalRequest.of("ok?").timedOutDecisionOnTimeout(), DEADLINE);
          String outcome = a.timedOut() ? "timed out" : a.approved() ? "approved" : "rejected";
          return ctx.step("act", String.class, s -> {
            acted.add(outcome);
            return outcome;
          });
        };
    try (OrchestratorHarness h = new OrchestratorHarness(new WorkflowRegistry().register("wf", String.class, workflow))) {
      h.request("r", "wf", "x");
      Model model = new Model(h);
      actions.forEach(action -> action.apply(model));
      h.advanceAndSettle(Duration.ofMinutes(121), Duration.ofMinutes(1));
      h.settle();

      // the deadline runs from when the run reached the wait (its request carries it), not from the start
      var requests = h.approvalRequests();
      assertThat(requests).hasSize(1);
      long deadlineMinute = (requests.get(0).getDeadline() - OrchestratorHarness.START.toEpochMilli()) / 60_000;
      String expected =
          model.sent.stream()
              .filter(d -> d[0] < deadlineMinute)
              .findFirst()
              .map(d -> d[1] == 1 ? "approved" : "rejected")
              .orElse(null);

      List<WorkflowResult> results = h.results();
      assertThat(results).hasSize(1);
      String outcome = PayloadCodec.decode(results.get(0).getOutput(), String.class);
      assertThat(outcome).isEqualTo(expected == null ? "timed out" : expected);
      // the step after the wait may run again if its execution died (at least once), but every
      // attempt saw the same decision, and it was journaled once
      assertThat(acted).isNotEmpty().containsOnly(outcome);
      List<AuditEvent> events = h.events();
      assertThat(events).filteredOn(e -> e.getType() == AuditEventType.STEP_COMPLETED && "act".equals(e.getStep())).hasSize(1);
      long resolutions =
          events.stream()
              .filter(e -> e.getType() == AuditEventType.APPROVAL_DECIDED || e.getType() == AuditEventType.APPROVAL_TIMED_OUT)
              .count();
      assertThat(resolutions).isEqualTo(1);
    }
  }

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Action> action =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.of(true, false).map(Decide::new)),
            net.jqwik.api.Tuple.of(2, Arbitraries.just(new Resend())),
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 45).map(Advance::new)),
            net.jqwik.api.Tuple.of(3, Arbitraries.just(new Settle())),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new ExecutorCrash())));
    return action.list().ofMinSize(1).ofMaxSize(12).map(ArrayList::new);
  }
}
