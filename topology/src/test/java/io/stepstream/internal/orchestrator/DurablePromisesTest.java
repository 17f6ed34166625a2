package io.stepstream.internal.orchestrator;

import static io.stepstream.avro.AuditEventType.SIGNAL_IGNORED;
import static io.stepstream.avro.AuditEventType.SIGNAL_RECEIVED;
import static io.stepstream.avro.AuditEventType.WAIT_TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.DurablePromise;
import io.stepstream.PromiseFailedException;
import io.stepstream.PromiseTimeoutException;
import io.stepstream.Workflow;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.PromiseIds;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Durable promises (ctx.promise): completed before, during and after the wait, failed, twice, timed out. Virtual time. */
@Timeout(30)
class DurablePromisesTest {
  record Verdict(String text, int score) {}

  /** Ids the workflow handed out, one per execution that ran the hand-out step (once) or replayed past it. */
  private final List<String> handedOut = new CopyOnWriteArrayList<>();
  private final List<String> idsSeenByTheCode = new CopyOnWriteArrayList<>();

  private final Workflow<String, String> review =
      (ctx, doc) -> {
        DurablePromise<Verdict> p = ctx.promise("review", Verdict.class);
        idsSeenByTheCode.add(p.id());
        ctx.step("hand-out", String.class, s -> {
          handedOut.add(p.id());
          return p.id();
        });
        try {
          Verdict v = p.get();
          return v.text() + " " + v.score();
        } catch (PromiseFailedException e) {
          return "failed " + e.errorType() + ": " + e.errorMessage() + " " + e.errorDetails().as(Verdict.class);
        }
      };

  /** Sleeps an hour before it creates the promise: completions sent meanwhile arrive early. */
  private final Workflow<String, String> napFirst =
      (ctx, doc) -> {
        ctx.sleep("nap", Duration.ofHours(1));
        return ctx.promise("review", Verdict.class).get().text();
      };

  private final Workflow<String, String> impatient =
      (ctx, doc) -> {
        DurablePromise<Verdict> p = ctx.promise("review", Verdict.class);
        try {
          return p.get(Duration.ofHours(2)).text();
        } catch (PromiseTimeoutException e) {
          return "timed out: " + e.getMessage();
        }
      };

  private final OrchestratorHarness harness =
      new OrchestratorHarness(new WorkflowRegistry()
          .register("review", String.class, review)
          .register("nap-first", String.class, napFirst)
          .register("impatient", String.class, impatient));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aCompletionAfterTheRunWaitsResumesItWithTheValue() {
    harness.request("r1", "review", "doc");
    harness.settle();
    assertThat(harness.results()).isEmpty();
    assertThat(handedOut).containsExactly(PromiseIds.format("r1", "review"));

    complete("r1", handedOut.get(0), "{\"text\":\"ok\",\"score\":7}");
    harness.settle();

    assertThat(output()).isEqualTo("ok 7");
  }

  @Test
  void theIdIsTheSameOnEveryReplay() {
    harness.request("r1", "review", "doc");
    harness.settle();
    complete("r1", handedOut.get(0), "{\"text\":\"ok\",\"score\":7}");
    harness.settle();

    assertThat(idsSeenByTheCode).hasSize(2).containsOnly(PromiseIds.format("r1", "review"));
    assertThat(handedOut).hasSize(1);
  }

  @Test
  void aCompletionBeforeTheWorkflowReachesThePromiseIsKeptAndUsed() {
    harness.request("r1", "nap-first", "doc");
    harness.settle();
    complete("r1", PromiseIds.format("r1", "review"), "{\"text\":\"early\",\"score\":1}");

    harness.advanceAndSettle(Duration.ofMinutes(61), Duration.ofMinutes(1));

    assertThat(output()).isEqualTo("early");
    assertThat(harness.deadLetterRecords()).isEmpty();
  }

  @Test
  void aCompletionBeforeTheRunExistsIsKeptForItsRequest() {
    String id = PromiseIds.format("r1", "review");
    complete("r1", id, "{\"text\":\"before start\",\"score\":2}");
    assertThat(harness.eventTypes(harness.events())).containsExactly(SIGNAL_RECEIVED);

    harness.request("r1", "review", "doc");
    harness.settle();

    assertThat(output()).isEqualTo("before start 2");
  }

  @Test
  void aFailedPromiseThrowsWhatTheFailingPartySaidAndTheWorkflowMayCatchIt() {
    harness.request("r1", "review", "doc");
    harness.settle();

    harness.rawSignal("r1", json("{\"promiseId\":\"" + handedOut.get(0)
        + "\",\"error\":{\"type\":\"REVIEWER_UNAVAILABLE\",\"message\":\"on leave\",\"details\":{\"text\":\"ask bob\",\"score\":0}}}"));
    harness.settle();

    assertThat(output()).isEqualTo("failed REVIEWER_UNAVAILABLE: on leave Verdict[text=ask bob, score=0]");
  }

  @Test
  void theFirstCompletionWinsAndLaterOnesAreAuditedNotDeadLettered() {
    harness.request("r1", "review", "doc");
    harness.settle();
    harness.events();

    complete("r1", handedOut.get(0), "{\"text\":\"first\",\"score\":1}");
    complete("r1", handedOut.get(0), "{\"text\":\"second\",\"score\":2}");
    harness.settle();

    assertThat(output()).isEqualTo("first 1");
    List<AuditEvent> events = harness.events();
    assertThat(events).filteredOn(e -> e.getType() == SIGNAL_IGNORED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).contains("promise 'review' was already settled"));
    assertThat(harness.deadLetterRecords()).isEmpty();
  }

  @Test
  void aCompletionKeyedByThePromiseIdItselfIsAcceptedSoTheIdIsAllAPartyNeeds() {
    harness.request("r1", "review", "doc");
    harness.settle();

    complete(handedOut.get(0), handedOut.get(0), "{\"text\":\"by id\",\"score\":3}");
    harness.settle();

    assertThat(output()).isEqualTo("by id 3");
  }

  @Test
  void getWithATimeoutThrowsWhenNobodyCompletesItInTimeAndALateCompletionIsIgnored() {
    harness.request("r1", "impatient", "doc");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(121), Duration.ofMinutes(1));

    assertThat(output()).startsWith("timed out: nobody completed promise 'review' of run r1");
    assertThat(harness.eventTypes(harness.events())).contains(WAIT_TIMED_OUT);

    complete("r1", PromiseIds.format("r1", "review"), "{\"text\":\"late\",\"score\":0}");
    assertThat(deadLetterTypes()).as("merely late: audited, not dead-lettered").isEmpty();
    assertThat(harness.events()).filteredOn(e -> e.getType() == io.stepstream.avro.AuditEventType.SIGNAL_IGNORED).singleElement()
        .satisfies(e -> assertThat(e.getDetail()).startsWith("RUN_FINISHED"));
  }

  @Test
  void aCompletionBeforeTheTimeoutWins() {
    harness.request("r1", "impatient", "doc");
    harness.settle();
    harness.advanceAndSettle(Duration.ofMinutes(30), Duration.ofMinutes(1));
    complete("r1", PromiseIds.format("r1", "review"), "{\"text\":\"in time\",\"score\":0}");
    harness.settle();
    harness.advanceAndSettle(Duration.ofHours(3), Duration.ofMinutes(10));

    assertThat(output()).isEqualTo("in time");
  }

  @Test
  void aMalformedPromiseIdIsDeadLetteredWithWhatToDo() {
    harness.request("r1", "review", "doc");
    harness.settle();

    harness.rawSignal("r1", json("{\"promiseId\":\"prm_not-an-id!\",\"data\":{}}"));

    var letters = harness.deadLetterRecords();
    assertThat(letters).hasSize(1);
    assertThat(header(letters.get(0), "stepstream.error.type")).isEqualTo("BAD_PROMISE_ID");
    assertThat(header(letters.get(0), "stepstream.error.message")).contains("Use the id exactly as the workflow handed it out");
    assertThat(harness.results()).isEmpty();
  }

  @Test
  void aCompletionKeyedByAnotherRunIsRefused() {
    harness.request("r1", "review", "doc");
    harness.settle();

    complete("r2", handedOut.get(0), "{\"text\":\"x\",\"score\":0}");

    assertThat(deadLetterTypes()).containsExactly("KEY_MISMATCH");
  }

  private void complete(String key, String promiseId, String valueJson) {
    harness.rawSignal(key, json("{\"promiseId\":\"" + promiseId + "\",\"data\":" + valueJson + "}"));
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private String output() {
    var results = harness.results();
    assertThat(results).hasSize(1);
    assertThat(results.get(0).getStatus()).as("%s", results.get(0).getError()).isEqualTo(RunStatus.COMPLETED);
    return PayloadCodec.decode(results.get(0).getOutput(), String.class);
  }

  private List<String> deadLetterTypes() {
    return harness.deadLetterRecords().stream().map(r -> header(r, "stepstream.error.type")).toList();
  }

  private static String header(org.apache.kafka.streams.test.TestRecord<String, byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
