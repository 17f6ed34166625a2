package io.stepstream.internal.connect;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.apache.kafka.common.config.ConfigException;

/**
 * A field of a record's value, named by its path: {@code id}, or {@code customer.address.city} for a nested
 * field (a field whose own name contains a dot cannot be named).
 */
record FieldPath(String text, List<String> segments) {
  static FieldPath parse(String configKey, String text) {
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.isEmpty() || trimmed.startsWith(".") || trimmed.endsWith(".") || trimmed.contains("..")) {
      throw new ConfigException(configKey, text, "a field path is a field name, or names joined by dots for nested fields (customer.id)");
    }
    return new FieldPath(trimmed, List.of(trimmed.split("\\.")));
  }

  /** The value at this path, or null when a segment is missing, JSON null, or not an object. */
  JsonNode find(JsonNode root) {
    JsonNode node = root;
    for (String segment : segments) {
      if (node == null || !node.isObject()) {
        return null;
      }
      node = node.get(segment);
    }
    return node == null || node.isNull() ? null : node;
  }

  String lastSegment() {
    return segments.get(segments.size() - 1);
  }

  @Override
  public String toString() {
    return text;
  }
}
