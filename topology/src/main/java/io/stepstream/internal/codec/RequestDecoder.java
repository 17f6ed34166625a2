package io.stepstream.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
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

  public static WorkflowRequest decode(byte[] value) {
    if (value == null || value.length == 0) {
      throw new InvalidInputException("EMPTY_REQUEST", "the request value is empty (a tombstone?)");
    }
    if (Envelopes.looksLikeAvro(value)) {
      return Envelopes.request(value);
    }
    if (firstNonBlank(value) == '{') {
      return fromJson(value);
    }
    throw new InvalidInputException(
        "UNDECODABLE_REQUEST",
        "the request is neither JSON nor an Avro single-object encoded WorkflowRequest;"
            + " send {\"workflowType\":\"...\",\"input\":{...}} keyed by the run id");
  }

  private static WorkflowRequest fromJson(byte[] value) {
    JsonNode node;
    try {
      node = PayloadCodec.json().readTree(value);
    } catch (IOException e) {
      throw new InvalidInputException("UNDECODABLE_REQUEST", "invalid JSON: " + e.getMessage());
    }
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
