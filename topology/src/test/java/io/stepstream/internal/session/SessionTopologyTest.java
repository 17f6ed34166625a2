package io.stepstream.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.RetryPolicy;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Sessions on TopologyTestDriver: turns one at a time in order, queue, reject, interrupt, dedupe, snapshots, shared reads. */
@Timeout(60)
class SessionTopologyTest {
  private final AgentSession agent = new AgentSession();
  private final OrchestratorHarness harness =
      new OrchestratorHarness(new WorkflowRegistry().registerSession(agent.type(), RetryPolicy.DEFAULT));
  private final Map<String, WorkflowResult> results = new LinkedHashMap<>();

  @AfterEach
  void close() {
    harness.close();
  }

  private void send(String key, String handler, String messageId, String payloadJson, String policy) {
    String json = "{\"sessionType\":\"agent-session\",\"handler\":\"" + handler + "\",\"messageId\":\"" + messageId + "\""
        + (payloadJson == null ? "" : ",\"payload\":" + payloadJson) + (policy == null ? "" : ",\"policy\":\"" + policy + "\"") + "}";
    harness.sessionMessage(key, json.getBytes(StandardCharsets.UTF_8));
  }

  private Map<String, WorkflowResult> results() {
    harness.results().forEach(r -> results.put(r.getRunId(), r));
    return results;
  }

  private static String runId(String key, String messageId) {
    return SessionIds.turnRunId(AgentSession.TYPE, key, messageId);
  }

  private JsonNode reply(String key, String messageId) {
    WorkflowResult r = results().get(runId(key, messageId));
    assertThat(r).as("result of " + messageId).isNotNull();
    assertThat(r.getStatus()).as(messageId + ": " + r.getError()).isEqualTo(RunStatus.COMPLETED);
    return PayloadCodec.decode(r.getOutput(), JsonNode.class);
  }

  private SessionRecord session(String key) {
    KeyValueStore<String, byte[]> store = harness.store(OrchestratorTopology.SESSIONS_STORE);
    return SessionInbox.read(store.get(SessionIds.sessionId(AgentSession.TYPE, key)));
  }

  private List<String> history(String key) {
    List<String> lines = new ArrayList<>();
    session(key).state().get("history").forEach(m -> lines.add(m.get("role").asText() + ": " + m.get("text").asText()));
    return lines;
  }

  private int journalEntries(String runId) {
    KeyValueStore<String, JournalEntry> journal = harness.store(OrchestratorTopology.JOURNAL_STORE);
    int n = 0;
    try (var it = journal.prefixScan(runId + "\u0000", new org.apache.kafka.common.serialization.StringSerializer())) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  @Test
  void turnsRunInArrivalOrderAndEachStartsFromTheLastCommittedState() {
    send("conv-1", "add-message", "m1", "\"hello\"", null);
    send("conv-1", "generate-reply", "m2", null, null);
    send("conv-1", "add-message", "m3", "\"and now?\"", null);
    harness.settle();

    assertThat(reply("conv-1", "m1").asInt()).isEqualTo(1);
    assertThat(reply("conv-1", "m2").asText()).isEqualTo("reply 1 to 'hello'");
    assertThat(reply("conv-1", "m3").asInt()).isEqualTo(3);
    assertThat(history("conv-1")).containsExactly("user: hello", "assistant: reply 1 to 'hello'", "user: and now?");
    assertThat(session("conv-1").turns()).isEqualTo(3);
    assertThat(session("conv-1").current()).isNull();
  }

  @Test
  void aMessageArrivingMidTurnIsQueuedAndRunsOnlyAfterTheTurnCommits() {
    send("conv-1", "add-message", "m1", "\"one\"", null);
    send("conv-1", "add-message", "m2", "\"two\"", null);
    send("conv-1", "add-message", "m3", "\"three\"", null);
    // the first turn's execution is dispatched; the others wait in the session's queue
    assertThat(session("conv-1").current().messageId()).isEqualTo("m1");
    assertThat(session("conv-1").queue()).extracting(SessionRecord.Queued::messageId).containsExactly("m2", "m3");
    assertThat(harness.runExecutions()).isEqualTo(1);
    harness.settle();
    assertThat(history("conv-1")).containsExactly("user: one", "user: two", "user: three");
  }

  @Test
  void keysAreIndependentSessions() {
    send("a", "add-message", "m1", "\"for a\"", null);
    send("b", "add-message", "m1", "\"for b\"", null);
    harness.settle();
    assertThat(history("a")).containsExactly("user: for a");
    assertThat(history("b")).containsExactly("user: for b");
  }

  @Test
  void aRejectMessageMidTurnIsAnsweredAsRejectedNamingTheSessionAndTheRunningTurn() {
    send("conv-1", "add-message", "m1", "\"one\"", null);
    send("conv-1", "add-message", "m2", "\"two\"", "REJECT");
    WorkflowResult rejected = results().get(runId("conv-1", "m2"));
    assertThat(rejected.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(rejected.getError().getType()).isEqualTo(SessionInbox.BUSY);
    assertThat(rejected.getError().getMessage()).contains("agent-session/conv-1", "turn 1", runId("conv-1", "m1"), "m2");
    harness.settle();
    assertThat(history("conv-1")).containsExactly("user: one");
    // idle now: a REJECT message runs
    send("conv-1", "add-message", "m3", "\"three\"", "REJECT");
    harness.settle();
    assertThat(history("conv-1")).containsExactly("user: one", "user: three");
  }

  @Test
  void anInterruptCancelsTheRunningTurnWithoutCommittingItsStateAndRunsNext() {
    send("conv-1", "add-message", "m1", "\"one\"", null);
    harness.settle();
    send("conv-1", "generate-reply", "m2", null, null);      // dispatched, not run yet
    send("conv-1", "add-message", "m3", "\"queued\"", null);  // waits
    send("conv-1", "add-message", "m4", "\"stop, do this\"", "INTERRUPT");
    assertThat(session("conv-1").current().interrupted()).isTrue();
    assertThat(session("conv-1").queue()).extracting(SessionRecord.Queued::messageId).containsExactly("m4", "m3");
    harness.settle();

    assertThat(results().get(runId("conv-1", "m2")).getStatus()).isEqualTo(RunStatus.CANCELLED);
    assertThat(history("conv-1")).containsExactly("user: one", "user: stop, do this", "user: queued");
    assertThat(session("conv-1").turns()).isEqualTo(3);
    assertThat(session("conv-1").started()).isEqualTo(4);
  }

  @Test
  void aTurnThatWaitsHoldsItsSessionUntilAnOperatorTerminatesItThenTheQueueRunsOn() {
    send("conv-1", "wait-for-go", "w1", "\"held\"", null);
    harness.settle();
    send("conv-1", "add-message", "m2", "\"after\"", null);
    harness.settle();
    assertThat(session("conv-1").current().messageId()).isEqualTo("w1");
    assertThat(session("conv-1").queue()).extracting(SessionRecord.Queued::messageId).containsExactly("m2");

    harness.command(runId("conv-1", "w1"), io.stepstream.avro.RunCommand.newBuilder().setRunId(runId("conv-1", "w1"))
        .setCommandId("ops-1").setType(io.stepstream.avro.RunCommandType.TERMINATE).setReason("stuck").setRequestedBy("ops").build());
    harness.settle();

    assertThat(results().get(runId("conv-1", "w1")).getStatus()).isEqualTo(RunStatus.TERMINATED);
    assertThat(history("conv-1")).containsExactly("user: after");
  }

  @Test
  void aDuplicateMessageIdIsIgnored() {
    send("conv-1", "add-message", "m1", "\"one\"", null);
    send("conv-1", "add-message", "m1", "\"one\"", null);
    harness.settle();
    send("conv-1", "add-message", "m1", "\"one\"", null);
    harness.settle();
    assertThat(history("conv-1")).containsExactly("user: one");
    assertThat(harness.eventTypes(harness.events())).filteredOn(AuditEventType.DUPLICATE_REQUEST::equals).hasSize(2);
  }

  @Test
  void turnNReadsAndRunsNoMoreThanTurnOneTheStateIsASnapshot() {
    List<Integer> entries = new ArrayList<>();
    for (int i = 1; i <= 30; i++) {
      send("conv-1", "add-message", "u" + i, "\"question " + i + "\"", null);
      send("conv-1", "generate-reply", "g" + i, null, null);
      harness.settle();
      entries.add(journalEntries(runId("conv-1", "g" + i)));
    }
    // every generate-reply turn journals the same entries (input, llm, state, result), whatever came before
    assertThat(entries).allMatch(n -> n.equals(entries.get(0)));
    // the fake LLM ran once per turn: no earlier turn was replayed (30 turns, not 1+2+...+30)
    assertThat(agent.llmCalls.get()).isEqualTo(30);
    assertThat(history("conv-1")).hasSize(60).endsWith("user: question 30", "assistant: reply 59 to 'question 30'");
  }

  @Test
  void anEngineThatDiesMidTurnRerunsOnlyThatTurnFromItsJournalAndCommitsItsStateOnce() {
    send("conv-1", "add-message", "m1", "\"hello\"", null);
    harness.settle();
    int firstTurnEntries = journalEntries(runId("conv-1", "m1"));
    send("conv-1", "generate-reply", "m2", null, null);
    assertThat(harness.runExecutions()).isEqualTo(1);
    // the execution ran the model step and the state step; only the model step's outcome reached the topic
    List<io.stepstream.avro.StepOutcome> published = harness.takeOutcomes();
    assertThat(published).hasSizeGreaterThanOrEqualTo(2);
    harness.deliver(published.get(0));
    harness.dropExecutions();
    harness.restartWith(io.stepstream.internal.orchestrator.ApprovalGuard.of(OrchestratorHarness.TOKENS));
    harness.advanceAndSettle(java.time.Duration.ofSeconds(3), java.time.Duration.ofMillis(500)); // resumed after assignment

    assertThat(agent.llmCalls.get()).as("the model step was journaled: not run again").isEqualTo(1);
    assertThat(reply("conv-1", "m2").asText()).isEqualTo("reply 1 to 'hello'");
    assertThat(history("conv-1")).containsExactly("user: hello", "assistant: reply 1 to 'hello'");
    assertThat(session("conv-1").turns()).isEqualTo(2);
    assertThat(journalEntries(runId("conv-1", "m1"))).as("the earlier turn was not touched").isEqualTo(firstTurnEntries);
  }

  @Test
  void aSharedHandlerMessageReadsTheCommittedStateWithoutQueuingBehindTheRunningTurn() {
    send("conv-1", "add-message", "m1", "\"one\"", null);
    harness.settle();
    send("conv-1", "add-message", "m2", "\"two\"", null); // running (dispatched, not run)
    send("conv-1", "get-history", "q1", null, null);
    assertThat(session("conv-1").queue()).isEmpty();
    harness.settle();
    JsonNode history = reply("conv-1", "q1");
    assertThat(history).hasSize(1); // the committed state when it was asked: m2 had not committed
    assertThat(history("conv-1")).containsExactly("user: one", "user: two");
  }

  @Test
  void invalidMessagesGoToTheDeadLetterQueueWithTheirReason() {
    harness.sessionMessage("conv-1", "not json".getBytes(StandardCharsets.UTF_8));
    harness.sessionMessage("conv-1", "{\"sessionType\":\"nope\",\"handler\":\"x\",\"messageId\":\"m1\"}".getBytes(StandardCharsets.UTF_8));
    send("conv-1", "no-such-handler", "m2", null, null);
    send("conv-1", "add-message", "bad#id", "\"x\"", null);
    harness.sessionMessage("conv-1", "{\"sessionType\":\"agent-session\",\"handler\":\"add-message\",\"messageId\":\"m3\",\"extra\":1}"
        .getBytes(StandardCharsets.UTF_8));
    send("conv-1", "add-message", "m4", "{\"text\":\"an object, not a string\"}", null);
    send("conv-1", "generate-reply", "m5", "\"no payload expected\"", null);
    var letters = harness.deadLetterRecords();
    assertThat(letters).extracting(r -> new String(r.headers().lastHeader("stepstream.error.type").value(), StandardCharsets.UTF_8))
        .containsExactly("UNDECODABLE_SESSION_MESSAGE", "UNKNOWN_SESSION_TYPE", "UNKNOWN_SESSION_HANDLER", "INVALID_MESSAGE_ID",
            "INVALID_SESSION_MESSAGE", "INVALID_SESSION_PAYLOAD", "INVALID_SESSION_PAYLOAD");
    DeadLetter letter = OrchestratorHarness.decode(letters.get(2));
    assertThat(letter.getErrorMessage()).contains("no-such-handler", "add-message", "get-history");
    assertThat(session("conv-1")).isNull();
  }

  @Test
  void aFailingTurnLeavesTheStateAsItWasAndTheNextMessageRuns() {
    send("conv-1", "add-message", "m1", "\"one\"", null);
    send("conv-1", "fail", "m2", "\"on purpose\"", null);
    send("conv-1", "add-message", "m3", "\"three\"", null);
    harness.settle();
    WorkflowResult failed = results().get(runId("conv-1", "m2"));
    assertThat(failed.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(failed.getError().getMessage()).contains("on purpose");
    assertThat(history("conv-1")).containsExactly("user: one", "user: three");
  }
}
