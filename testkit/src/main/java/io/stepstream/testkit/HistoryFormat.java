package io.stepstream.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.PayloadEncoding;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.PayloadCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The history file: JSON, versioned, every journal field kept exactly (times in epoch milliseconds).
 * A JSON value is embedded as JSON ({@code "json": {...}}, numbers exact); an Avro value (approval
 * decisions, events, Avro step results) as base64 of its single-object encoding. Documented in
 * docs/testing.md; a reader refuses a version it does not know rather than guess.
 */
final class HistoryFormat {
  static final String FORMAT = "stepstream-history";
  static final int VERSION = 1;
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private HistoryFormat() {}

  static void write(WorkflowHistory history, Path file) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Files.write(file, MAPPER.writeValueAsBytes(toJson(history)));
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the history of run " + history.runId() + " to " + file, e);
    }
  }

  static WorkflowHistory read(Path file) {
    JsonNode root;
    try {
      root = PayloadCodec.exactTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the history file " + file + ": " + e.getMessage(), e);
    }
    try {
      return fromJson(root);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the history file " + file + " is not a valid " + FORMAT + " (version " + VERSION + "): " + e.getMessage(), e);
    }
  }

  static ObjectNode toJson(WorkflowHistory h) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.put("runId", h.runId());
    root.put("workflowType", h.workflowType());
    root.put("status", h.recordedStatus() == null ? null : h.recordedStatus().name());
    root.set("input", payload(h.input()));
    ArrayNode entries = root.putArray("entries");
    for (JournalEntry e : h.entries()) {
      ObjectNode n = entries.addObject();
      n.put("name", e.getName());
      n.put("kind", e.getKind().name());
      n.put("succeeded", e.getSucceeded());
      n.put("attempt", e.getAttempt());
      n.put("generation", e.getGeneration());
      n.put("recordedAt", e.getRecordedAt());
      n.put("dueAt", e.getDueAt());
      n.put("startedAt", e.getStartedAt());
      n.put("unnamedValuesBefore", e.getUnnamedValuesBefore());
      n.set("value", payload(e.getValue()));
      n.set("error", error(e.getError()));
    }
    return root;
  }

  static WorkflowHistory fromJson(JsonNode root) {
    if (!FORMAT.equals(text(root, "format"))) {
      throw new IllegalArgumentException("\"format\" must be \"" + FORMAT + "\"");
    }
    int version = root.path("version").asInt(-1);
    if (version != VERSION) {
      throw new IllegalArgumentException("version " + version + " is not one this test kit reads (it reads " + VERSION + "); use a newer stepstream-testkit");
    }
    String runId = required(root, "runId");
    String status = text(root, "status");
    List<JournalEntry> entries = new ArrayList<>();
    for (JsonNode n : root.path("entries")) {
      entries.add(JournalEntry.newBuilder()
          .setRunId(runId)
          .setName(required(n, "name"))
          .setKind(EntryKind.valueOf(required(n, "kind")))
          .setSucceeded(n.path("succeeded").asBoolean(true))
          .setAttempt(n.path("attempt").asInt(1))
          .setGeneration(n.path("generation").asInt(0))
          .setRecordedAt(n.path("recordedAt").asLong(0))
          .setDueAt(optionalLong(n, "dueAt"))
          .setStartedAt(optionalLong(n, "startedAt"))
          .setUnnamedValuesBefore(n.path("unnamedValuesBefore").asInt(-1))
          .setValue(payload(n.get("value")))
          .setError(error(n.get("error")))
          .build());
    }
    return new WorkflowHistory(runId, required(root, "workflowType"), payload(root.get("input")), entries,
        status == null ? null : RunStatus.valueOf(status));
  }

  private static JsonNode payload(Payload p) {
    if (p == null) {
      return MAPPER.nullNode();
    }
    ObjectNode n = MAPPER.createObjectNode();
    n.put("encoding", p.getEncoding().name());
    n.put("javaType", p.getJavaType());
    byte[] bytes = PayloadCodec.bytes(p);
    if (p.getEncoding() == PayloadEncoding.JSON) {
      try {
        n.set("json", PayloadCodec.exactTree(bytes));
        return n;
      } catch (IOException e) {
        // not valid JSON after all: kept byte for byte below
      }
    }
    n.put("base64", Base64.getEncoder().encodeToString(bytes));
    return n;
  }

  private static Payload payload(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    PayloadEncoding encoding = PayloadEncoding.valueOf(required(n, "encoding"));
    byte[] bytes;
    try {
      bytes = n.has("json") ? PayloadCodec.json().writeValueAsBytes(n.get("json")) : Base64.getDecoder().decode(required(n, "base64"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Payload(encoding, ByteBuffer.wrap(bytes), text(n, "javaType"), null);
  }

  private static JsonNode error(ErrorInfo e) {
    if (e == null) {
      return MAPPER.nullNode();
    }
    ObjectNode n = MAPPER.createObjectNode();
    n.put("type", e.getType());
    n.put("message", e.getMessage());
    n.put("step", e.getStep());
    n.put("attempt", e.getAttempt());
    n.set("details", payload(e.getDetails()));
    return n;
  }

  private static ErrorInfo error(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    return ErrorInfo.newBuilder().setType(required(n, "type")).setMessage(text(n, "message") == null ? "" : text(n, "message"))
        .setStep(text(n, "step")).setAttempt(n.path("attempt").asInt(0)).setDetails(payload(n.get("details"))).build();
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String required(JsonNode n, String field) {
    String v = text(n, field);
    if (v == null) {
      throw new IllegalArgumentException("\"" + field + "\" is missing in " + n);
    }
    return v;
  }

  private static Long optionalLong(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asLong();
  }
}
