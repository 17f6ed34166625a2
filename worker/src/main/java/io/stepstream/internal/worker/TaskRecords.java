package io.stepstream.internal.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.worker.Task;

/** Task records (TASKS-PROTOCOL: UTF-8 JSON, unknown fields ignored) into {@link Task}s. */
final class TaskRecords {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TaskRecords() {
  }

  /** The task in {@code value}; IllegalArgumentException when it is not a task record. */
  static Task decode(byte[] value) {
    if (value == null) {
      throw new IllegalArgumentException("no value (a tombstone)");
    }
    JsonNode node;
    try {
      node = JSON.readTree(new String(value, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String taskId = text(node, "taskId");
    if (taskId == null || taskId.isBlank()) {
      throw new IllegalArgumentException("no taskId");
    }
    JsonNode input = node.get("input");
    return new Task(taskId, text(node, "queue"), text(node, "runId"), text(node, "workflowType"), text(node, "step"),
        node.path("attempt").asInt(1), node.path("maxAttempts").asInt(1), text(node, "idempotencyKey"),
        millis(node, "deadline") == null ? null : Instant.ofEpochMilli(millis(node, "deadline")),
        millis(node, "heartbeatTimeoutMs") == null ? null : Duration.ofMillis(millis(node, "heartbeatTimeoutMs")),
        input == null ? "null" : input.toString());
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static Long millis(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.canConvertToLong()) {
      throw new IllegalArgumentException(field + " is not a number of milliseconds: " + value);
    }
    return value.asLong();
  }
}
