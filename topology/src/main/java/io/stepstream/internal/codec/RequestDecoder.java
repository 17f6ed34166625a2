package io.stepstream.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.WorkflowRequest;
import java.io.IOException;

/**
 * Reads a request from the requests topic in either form:
 *
 * <ul>
 *   <li>Avro single-object encoding of {@code WorkflowRequest} (what {@code WorkflowClient} writes);
 *   <li>JSON, so a console producer can start a run: {@code {"workflowType":"demo","input":{...}}}
 *       with the run id as the record key (or a {@code "runId"} field).
 * </ul>
 */
public final class RequestDecoder {
  private RequestDecoder() {}

  /** What a record on the requests topic asks for. */
  public sealed interface Inbound permits Start, Command {}

  /** Start a run. */
  public record Start(WorkflowRequest request) implements Inbound {}

  /** Act on an existing run (cancel). */
  public record Command(RunCommand command) implements Inbound {}

  /** Decodes a start request; anything else is invalid here. */
  public static WorkflowRequest decode(byte[] value) {
    Inbound inbound = decodeInbound(value);
    if (inbound instanceof Start start) {
      return start.request();
    }
    throw new InvalidInputException("INVALID_REQUEST", "expected a workflow request, got a command");
  }

  public static Inbound decodeInbound(byte[] value) {
    if (value == null || value.length == 0) {
      throw new InvalidInputException("EMPTY_REQUEST", "the request value is empty (a tombstone?)");
    }
    if (Envelopes.looksLikeAvro(value)) {
      return Envelopes.isCommand(value) ? new Command(Envelopes.command(value)) : new Start(Envelopes.request(value));
    }
    if (firstNonBlank(value) == '{') {
      JsonNode node = parse(value);
      return node.has("command") ? new Command(commandFromJson(node)) : new Start(fromJson(node));
    }
    throw new InvalidInputException(
        "UNDECODABLE_REQUEST",
        "the request is neither JSON nor an Avro single-object encoded WorkflowRequest;"
            + " send {\"workflowType\":\"...\",\"input\":{...}} keyed by the run id");
  }

  private static JsonNode parse(byte[] value) {
    try {
      return PayloadCodec.json().readTree(value);
    } catch (IOException e) {
      throw new InvalidInputException("UNDECODABLE_REQUEST", "invalid JSON: " + e.getMessage());
    }
  }

  private static RunCommand commandFromJson(JsonNode node) {
    String command = text(node, "command", "");
    if (!command.equalsIgnoreCase("cancel")) {
      throw new InvalidInputException("INVALID_COMMAND", "unknown command '" + command + "'; the only command is \"cancel\"");
    }
    return RunCommand.newBuilder()
        .setRunId(text(node, "runId", ""))
        .setCommandId(text(node, "commandId", java.util.UUID.randomUUID().toString()))
        .setType(RunCommandType.CANCEL)
        .setReason(text(node, "reason", null))
        .setRequestedBy(text(node, "requestedBy", null))
        .setRequestedAt(node.path("requestedAt").asLong(0))
        .build();
  }

  private static WorkflowRequest fromJson(JsonNode node) {
    String type = text(node, "workflowType", text(node, "type", null));
    if (type == null || type.isBlank()) {
      throw new InvalidInputException("INVALID_REQUEST", "the JSON request has no \"workflowType\" field");
    }
    JsonNode input = node.get("input");
    byte[] inputJson;
    try {
      inputJson = input == null || input.isNull() ? null : PayloadCodec.json().writeValueAsBytes(input);
    } catch (IOException e) {
      throw new InvalidInputException("INVALID_REQUEST", "cannot re-encode input: " + e.getMessage());
    }
    return WorkflowRequest.newBuilder()
        .setRunId(text(node, "runId", ""))
        .setWorkflowType(type)
        .setInput(inputJson == null ? null : PayloadCodec.rawJson(inputJson))
        .setRequestedAt(node.path("requestedAt").asLong(0))
        .build();
  }

  private static String text(JsonNode node, String field, String fallback) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? fallback : v.asText();
  }

  private static int firstNonBlank(byte[] value) {
    for (byte b : value) {
      if (!Character.isWhitespace(b)) {
        return b;
      }
    }
    return -1;
  }
}
