package io.stepstream.internal.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.PayloadEncoding;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of the query API (docs/operations.md, "Queries"), built from the stores' records:
 * RunSummary, RunDescription, RunHistory with HistoryEntry, PendingApproval, and Value (a payload
 * as people read it). Times are epoch milliseconds.
 */
public final class RunViews {
  static final ObjectMapper JSON = new ObjectMapper();
  /** The journal entry holding a finished run's output or error (written by the orchestrator when the run ends). */
  public static final String RESULT_ENTRY = "$result";
  /** Where a run's input is kept once it no longer lives in its run state. */
  public static final String INPUT_ENTRY = io.stepstream.internal.orchestrator.RunInputs.ENTRY;
  static final String WAIT_PREFIX = "$wait:";
  /** The readable form of a value is cut here; {@code json} has it whole. */
  static final int TEXT_LIMIT = 200;

  private RunViews() {}

  public static boolean isFinal(RunStatus status) {
    return status == RunStatus.COMPLETED || status == RunStatus.FAILED || status == RunStatus.CANCELLED;
  }

  public static ObjectNode summary(RunState s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("runId", s.getRunId());
    n.put("workflowType", s.getWorkflowType());
    n.put("status", s.getStatus().name());
    n.put("createdAt", s.getCreatedAt());
    n.put("updatedAt", s.getUpdatedAt());
    putLong(n, "finishedAt", isFinal(s.getStatus()) ? s.getUpdatedAt() : null);
    boolean waiting = s.getStatus() == RunStatus.WAITING;
    n.put("waitKind", waiting ? s.getWaitKind() : null);
    n.put("waitName", waiting ? s.getWaitName() : null);
    putLong(n, "wakeAt", waiting ? s.getWakeAt() : null);
    n.put("parkedReason", s.getStatus() == RunStatus.PARKED ? s.getParkedReason() : null);
    n.put("parentRunId", s.getParentRunId());
    return n;
  }

  /** RunSummary plus what only a single-run read has: the current step, input, result, who served it. */
  public static ObjectNode description(RunState s, Map<String, JournalEntry> journal, String servedBy) {
    ObjectNode n = summary(s);
    n.put("generation", s.getGeneration());
    n.put("entryCount", s.getEntryCount());
    n.put("cancelRequested", s.getCancelRequested());
    JournalEntry lastStep = journal.values().stream()
        .filter(e -> e.getKind() == EntryKind.STEP || e.getKind() == EntryKind.STEP_ATTEMPT)
        .max(Comparator.comparingLong(JournalEntry::getRecordedAt).thenComparing(JournalEntry::getAttempt))
        .orElse(null);
    n.put("currentStep", lastStep == null ? null : stepName(lastStep));
    if (lastStep == null) {
      n.putNull("attempts");
    } else {
      n.put("attempts", lastStep.getAttempt());
    }
    Payload input = s.getInput();
    if (input == null && journal.get(INPUT_ENTRY) != null) {
      input = journal.get(INPUT_ENTRY).getValue();
    }
    n.set("input", value(input));
    JournalEntry result = journal.get(RESULT_ENTRY);
    n.set("result", result == null ? null : value(result.getValue()));
    ErrorInfo error = result != null ? result.getError() : null;
    n.set("error", error(error));
    n.put("servedBy", servedBy);
    n.set("usage", usage(s.getUsage()));
    return n;
  }

  /** The steps of a STEP_ATTEMPT entry are named {@code <step>@<attempt>}; its error names the step. */
  private static String stepName(JournalEntry e) {
    if (e.getKind() == EntryKind.STEP_ATTEMPT) {
      if (e.getError() != null && e.getError().getStep() != null) {
        return e.getError().getStep();
      }
      int at = e.getName().lastIndexOf('@');
      return at < 0 ? e.getName() : e.getName().substring(0, at);
    }
    return e.getName();
  }

  /**
   * The order entries were recorded in: by time, and within one millisecond by the orchestrator's
   * recording sequence (entries of older releases have none: -1), then by name.
   */
  static final Comparator<JournalEntry> RECORDING_ORDER =
      Comparator.comparingLong(JournalEntry::getRecordedAt).thenComparingLong(JournalEntry::getSequence).thenComparing(JournalEntry::getName);

  public static ObjectNode history(RunState s, Collection<JournalEntry> journal) {
    ObjectNode n = JSON.createObjectNode();
    n.put("runId", s.getRunId());
    n.put("workflowType", s.getWorkflowType());
    n.put("status", s.getStatus().name());
    ArrayNode entries = n.putArray("entries");
    List<JournalEntry> ordered = new ArrayList<>(journal);
    ordered.sort(RECORDING_ORDER);
    for (JournalEntry e : ordered) {
      entries.add(historyEntry(e));
    }
    return n;
  }

  public static ObjectNode historyEntry(JournalEntry e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("name", e.getName());
    n.put("kind", RESULT_ENTRY.equals(e.getName()) ? "RESULT" : INPUT_ENTRY.equals(e.getName()) ? "INPUT" : e.getKind().name());
    n.put("succeeded", e.getSucceeded());
    n.put("attempt", e.getAttempt());
    putLong(n, "startedAt", e.getStartedAt());
    n.put("recordedAt", e.getRecordedAt());
    putLong(n, "durationMs", e.getStartedAt() == null ? null : e.getRecordedAt() - e.getStartedAt());
    putLong(n, "dueAt", e.getDueAt());
    n.set("value", value(e.getValue()));
    n.set("error", error(e.getError()));
    n.set("usage", usage(e.getUsage()));
    return n;
  }

  /** Usage as {@code {"inputTokens","outputTokens","totalTokens","cost"}}; null for none (ADR 0018). */
  static ObjectNode usage(io.stepstream.avro.StepUsage usage) {
    if (usage == null) {
      return null;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("inputTokens", usage.getInputTokens());
    n.put("outputTokens", usage.getOutputTokens());
    n.put("totalTokens", usage.getInputTokens() + usage.getOutputTokens());
    n.put("cost", usage.getCost());
    return n;
  }

  /**
   * The approvals a run waits for: its approval waits ({@code $wait:<name>}, APPROVAL_WAIT) with no
   * resolution entry ({@code <name>}) yet. The token is issued by {@code tokens} (the engine's signer).
   */
  public static List<ObjectNode> pendingApprovals(RunState s, Map<String, JournalEntry> journal, TokenIssuer tokens) {
    List<ObjectNode> pending = new ArrayList<>();
    if (s.getStatus() != RunStatus.WAITING) {
      return pending;
    }
    journal.values().stream()
        .filter(e -> e.getKind() == EntryKind.APPROVAL_WAIT && e.getName().startsWith(WAIT_PREFIX))
        .sorted(Comparator.comparingLong(JournalEntry::getRecordedAt).thenComparing(JournalEntry::getName))
        .forEach(wait -> {
          String name = wait.getName().substring(WAIT_PREFIX.length());
          if (journal.containsKey(name)) {
            return; // resolved
          }
          ApprovalRequest ask;
          try {
            ask = PayloadCodec.decode(wait.getValue(), ApprovalRequest.class);
          } catch (RuntimeException e) {
            ask = null; // listed with what the wait itself says
          }
          ObjectNode n = JSON.createObjectNode();
          n.put("runId", s.getRunId());
          n.put("workflowType", s.getWorkflowType());
          n.put("approvalName", name);
          n.put("subject", ask == null ? null : ask.getSubject());
          n.set("details", ask == null ? null : value(ask.getDetails()));
          ArrayNode approvers = n.putArray("allowedApprovers");
          ArrayNode groups = n.putArray("allowedGroups");
          long deadline = ask == null ? 0 : ask.getDeadline();
          if (ask != null) {
            ask.getAllowedApprovers().forEach(a -> approvers.add(a.toString()));
            ask.getAllowedGroups().forEach(g -> groups.add(g.toString()));
          }
          putLong(n, "deadline", deadline == 0 ? null : deadline);
          n.put("requestedAt", ask == null ? wait.getRecordedAt() : ask.getRequestedAt());
          n.put("token", tokens.issue(s.getRunId(), name, deadline));
          pending.add(n);
        });
    return pending;
  }

  /** Signs approval tokens as the engine does for the approval requests it publishes. */
  @FunctionalInterface
  public interface TokenIssuer {
    String issue(String runId, String approvalName, long deadlineMillis);
  }

  /**
   * A payload as people read it: {@code {"encoding","json","text","bytes"}}. JSON payloads are
   * parsed; Avro ones of a class this engine has (its own envelopes, workflow types on its
   * classpath) are decoded and shown as Avro's JSON form; others only by size.
   */
  public static ObjectNode value(Payload payload) {
    if (payload == null) {
      return null;
    }
    if (payload.getClaimCheck() != null) {
      return io.stepstream.internal.payloads.ClaimCheckViews.value(payload, JSON);
    }
    byte[] bytes = PayloadCodec.bytes(payload);
    ObjectNode n = JSON.createObjectNode();
    n.put("encoding", payload.getEncoding() == PayloadEncoding.JSON ? "json" : payload.getEncoding().name().toLowerCase(java.util.Locale.ROOT));
    JsonNode json = null;
    String text;
    if (payload.getEncoding() == PayloadEncoding.JSON) {
      text = new String(bytes, StandardCharsets.UTF_8);
      try {
        json = JSON.readTree(bytes);
      } catch (java.io.IOException e) {
        json = null; // not JSON after all: the text says what it is
      }
    } else {
      text = avroText(payload);
      if (text != null) {
        try {
          json = JSON.readTree(text);
          if (payload.getJavaType().startsWith("io.stepstream.avro.") && redact(json)) { // the engine's own envelopes only
            text = json.toString();
          }
        } catch (java.io.IOException e) {
          json = null;
        }
      } else {
        text = "<avro " + payload.getJavaType() + ", " + bytes.length + " bytes>";
      }
    }
    n.set("json", json);
    n.put("text", text.length() > TEXT_LIMIT ? text.substring(0, TEXT_LIMIT) + "…" : text);
    n.put("bytes", bytes.length);
    return n;
  }

  /**
   * Credentials inside the engine's own records journaled as values (a decision's approval token and
   * the approver's JWT) are not shown: whoever may read a history must not be able to replay them.
   * True if something was hidden.
   */
  static boolean redact(JsonNode json) {
    boolean hidden = false;
    if (json instanceof ObjectNode object) {
      for (String field : SECRET_FIELDS) {
        JsonNode value = object.get(field);
        if (value != null && !value.isNull() && !(value.isTextual() && value.asText().isEmpty())) {
          object.put(field, "<redacted>");
          hidden = true;
        }
      }
      for (JsonNode child : object) {
        hidden |= redact(child);
      }
    } else if (json instanceof ArrayNode array) {
      for (JsonNode child : array) {
        hidden |= redact(child);
      }
    }
    return hidden;
  }

  /** Fields of the engine's envelopes that hold credentials (ApprovalDecision.token, .identityToken). */
  static final List<String> SECRET_FIELDS = List.of("token", "identityToken");

  private static String avroText(Payload payload) {
    if (payload.getJavaType() == null) {
      return null;
    }
    try {
      Class<?> type = Class.forName(payload.getJavaType(), false, RunViews.class.getClassLoader());
      if (!org.apache.avro.specific.SpecificRecord.class.isAssignableFrom(type)) {
        return null;
      }
      return String.valueOf(PayloadCodec.decode(payload, type));
    } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
      return null; // a type this engine does not have: shown by size only
    }
  }

  static ObjectNode error(ErrorInfo error) {
    if (error == null) {
      return null;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("type", error.getType());
    n.put("message", error.getMessage());
    n.put("step", error.getStep());
    n.set("details", value(error.getDetails()));
    return n;
  }

  private static void putLong(ObjectNode n, String name, Long value) {
    if (value == null) {
      n.putNull(name);
    } else {
      n.put(name, value);
    }
  }
}
