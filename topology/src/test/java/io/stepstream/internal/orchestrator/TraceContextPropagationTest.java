package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.ApprovalRequest;
import io.stepstream.Workflow;
import io.stepstream.avro.RunState;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

/** A request's W3C trace context reaches every record its run produces; the stream thread names the run in the MDC. */
@Timeout(30)
class TraceContextPropagationTest {
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
  static final String TRACESTATE = "vendor=opaque";

  private final Workflow<String, String> reviewed =
      (ctx, in) -> {
        String draft = ctx.step("draft", String.class, s -> "draft of " + in);
        var decision = ctx.awaitApproval("review", ApprovalRequest.of("Send " + draft + "?").approvers("alice"), Duration.ofHours(1));
        return ctx.step("send", String.class, s -> (decision.approved() ? "sent " : "kept ") + draft);
      };

  private final List<Map<String, String>> mdcAtDispatch = new CopyOnWriteArrayList<>();
  private final List<Runnable> queued = new ArrayList<>();
  private final OrchestratorHarness harness =
      new OrchestratorHarness(new WorkflowRegistry().register("reviewed", String.class, reviewed, null), execution -> {
        // dispatch happens on the stream thread while it handles the run's record
        mdcAtDispatch.add(MDC.getCopyOfContextMap() == null ? Map.of() : MDC.getCopyOfContextMap());
        queued.add(execution);
      });

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void resultEventsApprovalRequestsAndStepOutcomesCarryTheRequestsTraceContext() {
    harness.request("run-1", "reviewed", "the reply", traceHeaders(TRACEPARENT, TRACESTATE));
    settle();
    harness.decide(harness.decision("run-1", "review", true, "alice").build());
    settle();

    List<TestRecord<String, byte[]>> results = harness.resultRecords();
    List<TestRecord<String, byte[]>> events = harness.eventRecords();
    List<TestRecord<String, byte[]>> approvalRequests = harness.approvalRequestRecords();
    assertThat(results).hasSize(1);
    assertThat(events).hasSizeGreaterThan(4);
    assertThat(approvalRequests).as("the request, and the same request resolved APPROVED").hasSize(2);
    List<TestRecord<String, byte[]>> all = new ArrayList<>(results);
    all.addAll(events);
    all.addAll(approvalRequests);
    for (TestRecord<String, byte[]> record : all) {
      assertThat(header(record.headers(), "traceparent")).as("traceparent of record %s", record).isEqualTo(TRACEPARENT);
      assertThat(header(record.headers(), "tracestate")).isEqualTo(TRACESTATE);
    }
    assertThat(harness.publisher.traceHeaders())
        .as("every step outcome the run's executions published: the first one's, up to its wait, and the second one's")
        .hasSize(2)
        .allSatisfy(h -> assertThat(h).containsEntry("traceparent", TRACEPARENT).containsEntry("tracestate", TRACESTATE));
  }

  @Test
  void theTraceContextIsKeptInTheRunStateSoItSurvivesARestart() {
    harness.request("run-2", "reviewed", "x", traceHeaders(TRACEPARENT, null));
    settle();

    KeyValueStore<String, RunState> runs = harness.store(OrchestratorTopology.RUNS_STORE);
    assertThat(runs.get("run-2").getTraceHeaders()).isEqualTo(Map.of("traceparent", TRACEPARENT));
  }

  @Test
  void aRequestWithoutOrWithAMalformedTraceparentGivesRecordsWithout() {
    harness.request("plain", "reviewed", "x", new RecordHeaders());
    harness.request("forged", "reviewed", "x", traceHeaders("00-not-a-trace-01", TRACESTATE));
    settle();

    List<TestRecord<String, byte[]>> events = harness.eventRecords();
    assertThat(events).isNotEmpty().allSatisfy(r -> assertThat(r.headers().lastHeader("traceparent")).isNull());
    assertThat(harness.approvalRequestRecords()).hasSize(2).allSatisfy(r -> assertThat(r.headers().lastHeader("tracestate")).isNull());
    assertThat(harness.publisher.traceHeaders()).isEmpty();
  }

  @Test
  void theStreamThreadNamesTheRunInTheMdcWhileItHandlesTheRunsRecords() {
    harness.request("run-3", "reviewed", "x", new RecordHeaders());
    settle();
    harness.decide(harness.decision("run-3", "review", false, "alice").build());
    settle();

    assertThat(mdcAtDispatch).hasSize(2).allSatisfy(mdc -> assertThat(mdc).containsEntry("stepstream.runId", "run-3"));
    assertThat(MDC.get("stepstream.runId")).as("cleared after the record").isNull();
    assertThat(harness.results()).singleElement().satisfies(r -> assertThat(r.getOutput()).isNotNull());
  }

  private void settle() {
    while (true) {
      List<Runnable> batch = new ArrayList<>(queued);
      queued.clear();
      batch.forEach(Runnable::run);
      if (batch.isEmpty() & harness.deliverOutcomes().isEmpty()) {
        return;
      }
    }
  }

  private static Headers traceHeaders(String traceparent, String tracestate) {
    Headers headers = new RecordHeaders();
    headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
    if (tracestate != null) {
      headers.add("tracestate", tracestate.getBytes(StandardCharsets.UTF_8));
    }
    return headers;
  }

  private static String header(Headers headers, String key) {
    Header h = headers.lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
