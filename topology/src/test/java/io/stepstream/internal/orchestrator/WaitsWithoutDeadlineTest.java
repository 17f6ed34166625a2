package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.DurablePromise;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.approvals.ApprovalToken;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.PromiseIds;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** awaitApproval / awaitEvent / promise get() without a deadline: parked with no timer, for years of virtual time. */
@Timeout(30)
class WaitsWithoutDeadlineTest {
  private static final Duration TEN_YEARS = Duration.ofDays(3653);

  private final OrchestratorHarness harness =
      new OrchestratorHarness(new WorkflowRegistry()
          .register("sign-off", String.class, (Workflow<String, String>) (ctx, in) -> {
            Approval a = ctx.awaitApproval("sign-off", ApprovalRequest.of("sign off " + in));
            return (a.approved() ? "approved by " : "rejected by ") + a.approver();
          })
          .register("event", String.class, (Workflow<String, Integer>) (ctx, in) -> ctx.awaitEvent("paid", Integer.class))
          .register("big-event", String.class, (Workflow<String, Integer>) (ctx, in) -> ctx.awaitEvent("paid", Integer.class, n -> n >= 100))
          .register("promise", String.class, (Workflow<String, String>) (ctx, in) -> {
            DurablePromise<String> p = ctx.promise("answer", String.class);
            return p.get();
          }));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void anApprovalWithoutADeadlineSaysSoAndStaysParkedForYearsThenResolves() {
    harness.request("r1", "sign-off", "contract");
    harness.settle();

    var request = harness.approvalRequests().get(0);
    assertThat(request.getDeadline()).as("0: no deadline").isZero();
    assertThat(ApprovalToken.parse(request.getToken()).expiresAt()).isEqualTo(Instant.parse("9999-12-31T23:59:59Z"));
    assertThat(timers()).as("no timer for a wait without a deadline").isZero();
    assertThat(harness.events()).filteredOn(e -> e.getType() == AuditEventType.APPROVAL_REQUESTED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).contains("no deadline"));

    harness.advanceWallClock(TEN_YEARS);
    harness.settle();
    assertThat(harness.results()).isEmpty();
    assertThat(harness.eventTypes(harness.events())).doesNotContain(AuditEventType.APPROVAL_TIMED_OUT, AuditEventType.TIMER_FIRED);

    harness.decide(harness.decision("r1", "sign-off", true, "alice").setToken(request.getToken()).build());
    harness.settle();

    assertThat(output(String.class)).isEqualTo("approved by alice");
  }

  @Test
  void anEventWaitWithoutADeadlineStaysParkedForYearsThenResolves() {
    harness.request("r1", "event", "x");
    harness.settle();
    assertThat(timers()).isZero();

    harness.advanceWallClock(TEN_YEARS);
    harness.settle();
    assertThat(harness.results()).isEmpty();

    harness.signal("r1", "paid", 42, "psp-1");
    harness.settle();

    assertThat(output(Integer.class)).isEqualTo(42);
  }

  @Test
  void aMatchingEventWaitWithoutADeadlineSkipsEventsThatDoNotMatch() {
    harness.request("r1", "big-event", "x");
    harness.settle();
    harness.signal("r1", "paid", 5, "psp-1");
    harness.settle();
    harness.advanceWallClock(TEN_YEARS);
    harness.settle();
    assertThat(harness.results()).isEmpty();

    harness.signal("r1", "paid", 500, "psp-2");
    harness.settle();

    assertThat(output(Integer.class)).isEqualTo(500);
  }

  @Test
  void aPromiseGetWithoutADeadlineStaysParkedForYearsThenResolves() {
    harness.request("r1", "promise", "x");
    harness.settle();
    assertThat(timers()).isZero();
    assertThat(harness.events()).filteredOn(e -> e.getType() == AuditEventType.RUN_WAITING).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).isEqualTo("promise 'answer' (no deadline)"));

    harness.advanceWallClock(TEN_YEARS);
    harness.settle();
    assertThat(harness.results()).isEmpty();

    harness.rawSignal("r1", ("{\"promiseId\":\"" + PromiseIds.format("r1", "answer") + "\",\"data\":\"42\"}").getBytes(StandardCharsets.UTF_8));
    harness.settle();

    assertThat(output(String.class)).isEqualTo("42");
  }

  @Test
  void aWaitWithoutADeadlineEndsWhenTheRunIsCancelled() {
    harness.request("r1", "event", "x");
    harness.settle();

    harness.cancel("r1", "no longer needed");
    harness.settle();

    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.CANCELLED));
  }

  private int timers() {
    KeyValueStore<Bytes, String> store = harness.store(OrchestratorTopology.TIMERS_STORE);
    int n = 0;
    try (KeyValueIterator<Bytes, String> it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  private <T> T output(Class<T> type) {
    var results = harness.results();
    assertThat(results).hasSize(1);
    assertThat(results.get(0).getStatus()).as("%s", results.get(0).getError()).isEqualTo(RunStatus.COMPLETED);
    return PayloadCodec.decode(results.get(0).getOutput(), type);
  }
}
