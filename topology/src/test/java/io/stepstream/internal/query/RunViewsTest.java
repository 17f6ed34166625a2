package io.stepstream.internal.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.PayloadCodec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JSON shapes queries answer with, built from store records. */
@Timeout(30)
class RunViewsTest {

  @Test
  void aJsonValueIsShownParsedWithItsTextAndSize() {
    ObjectNode value = RunViews.value(PayloadCodec.encode(Map.of("item", "book", "quantity", 2)));
    assertThat(value.path("encoding").asText()).isEqualTo("json");
    assertThat(value.path("json").path("item").asText()).isEqualTo("book");
    assertThat(value.path("text").asText()).contains("\"item\":\"book\"");
    assertThat(value.path("bytes").asInt()).isEqualTo(value.path("text").asText().length());
    assertThat(RunViews.value(null)).isNull();
    ObjectNode longText = RunViews.value(PayloadCodec.encode("x".repeat(500)));
    assertThat(longText.path("text").asText()).hasSize(RunViews.TEXT_LIMIT + 1).endsWith("…");
    assertThat(longText.path("json").asText()).hasSize(500);
  }

  @Test
  void aJournaledDecisionIsShownWithoutItsApprovalTokenOrTheApproversJwt() {
    ApprovalDecision decision = ApprovalDecision.newBuilder().setRunId("r1").setApprovalName("ship").setApproved(true).setApprover("alice")
        .setToken("v1.k1.999.binding.mac").setIdentityToken("eyJhbGciOiJSUzI1NiJ9.secret.sig").setDecidedAt(5).build();
    ObjectNode value = RunViews.value(PayloadCodec.encode(decision));
    assertThat(value.path("encoding").asText()).isEqualTo("avro");
    assertThat(value.path("json").path("approver").asText()).isEqualTo("alice");
    assertThat(value.path("json").path("token").asText()).isEqualTo("<redacted>");
    assertThat(value.path("json").path("identityToken").asText()).isEqualTo("<redacted>");
    assertThat(value.toString()).doesNotContain("v1.k1.999", "eyJhbGciOiJSUzI1NiJ9");
  }

  @Test
  void aDescriptionNamesTheStepLastAttemptedTheInputTheErrorAndWhoServedIt() {
    RunState state = RunState.newBuilder().setRunId("r1").setWorkflowType("order").setStatus(RunStatus.FAILED).setGeneration(3)
        .setEntryCount(3).setCreatedAt(100).setUpdatedAt(900).setInput(PayloadCodec.encode("book")).build();
    Map<String, JournalEntry> journal = new LinkedHashMap<>();
    journal.put("reserve", entry("reserve", EntryKind.STEP, 1, 200, 150, null));
    journal.put("charge@1", entry("charge@1", EntryKind.STEP_ATTEMPT, 1, 300, 250,
        ErrorInfo.newBuilder().setType("DECLINED").setMessage("card declined").setStep("charge").setAttempt(1).build()));
    journal.put(RunViews.RESULT_ENTRY, JournalEntry.newBuilder().setRunId("r1").setName(RunViews.RESULT_ENTRY).setKind(EntryKind.UNKNOWN)
        .setSucceeded(false).setGeneration(-1).setRecordedAt(900)
        .setError(ErrorInfo.newBuilder().setType("DECLINED").setMessage("card declined").setStep("charge").build()).build());

    ObjectNode d = RunViews.description(state, journal, "10.0.0.7:8080");
    assertThat(d.path("status").asText()).isEqualTo("FAILED");
    assertThat(d.path("finishedAt").asLong()).isEqualTo(900);
    assertThat(d.path("waitKind").isNull()).isTrue();
    assertThat(d.path("currentStep").asText()).isEqualTo("charge");
    assertThat(d.path("attempts").asInt()).isEqualTo(1);
    assertThat(d.path("input").path("json").asText()).isEqualTo("book");
    assertThat(d.path("error").path("message").asText()).isEqualTo("card declined");
    assertThat(d.path("result").isNull()).isTrue();
    assertThat(d.path("servedBy").asText()).isEqualTo("10.0.0.7:8080");

    ObjectNode h = RunViews.history(state, journal.values());
    assertThat(h.path("entries")).extracting(e -> e.path("name").asText()).containsExactly("reserve", "charge@1", RunViews.RESULT_ENTRY);
    assertThat(h.path("entries").get(0).path("durationMs").asLong()).isEqualTo(50);
    assertThat(h.path("entries").get(2).path("kind").asText()).isEqualTo("RESULT");
  }

  @Test
  void theInputIsTakenFromTheJournalWhenTheRunStateNoLongerHoldsIt() {
    RunState state = RunState.newBuilder().setRunId("r1").setWorkflowType("order").setStatus(RunStatus.RUNNING).setGeneration(1)
        .setCreatedAt(100).setUpdatedAt(100).build();
    Map<String, JournalEntry> journal = Map.of(RunViews.INPUT_ENTRY, JournalEntry.newBuilder().setRunId("r1").setName(RunViews.INPUT_ENTRY)
        .setKind(EntryKind.UNKNOWN).setSucceeded(true).setGeneration(0).setRecordedAt(100).setValue(PayloadCodec.encode("kept")).build());
    assertThat(RunViews.description(state, journal, "h:1").path("input").path("json").asText()).isEqualTo("kept");
    assertThat(RunViews.description(state, Map.of(), "h:1").path("input").isNull()).isTrue();
  }

  private static JournalEntry entry(String name, EntryKind kind, int attempt, long recordedAt, long startedAt, ErrorInfo error) {
    return JournalEntry.newBuilder().setRunId("r1").setName(name).setKind(kind).setSucceeded(error == null).setAttempt(attempt)
        .setGeneration(1).setRecordedAt(recordedAt).setStartedAt(startedAt).setError(error)
        .setValue(error == null ? PayloadCodec.encode("value of " + name) : null).build();
  }
}
