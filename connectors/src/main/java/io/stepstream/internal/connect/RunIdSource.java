package io.stepstream.internal.connect;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;

/** Where a record's run id comes from: a value field, a header, or a template over value fields. */
sealed interface RunIdSource {
  /** The run id, or null when the record has none (a missing, null or blank field or header). */
  String runId(ConnectRecord<?> record, JsonNode value);

  /** What the record lacked, for the error message. */
  String lacking();

  static RunIdSource from(RequestMappingConfig config) {
    String field = config.string(RequestMappingConfig.RUN_ID_FIELD);
    if (field != null) {
      return new Field(FieldPath.parse(RequestMappingConfig.RUN_ID_FIELD, field));
    }
    String header = config.string(RequestMappingConfig.RUN_ID_HEADER);
    if (header != null) {
      return new FromHeader(header);
    }
    return Template.parse(config.string(RequestMappingConfig.RUN_ID_TEMPLATE));
  }

  /** A scalar JSON value as run id text; an object or array is a mistake in the configuration, said as such. */
  static String scalarText(JsonNode node, String what) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isContainerNode()) {
      throw new DataException(what + " is a JSON " + (node.isObject() ? "object" : "array") + ", not a string or number;"
          + " point it at a scalar field (a path like customer.id for a nested one)");
    }
    String text = node.asText();
    return text.isBlank() ? null : text;
  }

  record Field(FieldPath path) implements RunIdSource {
    @Override
    public String runId(ConnectRecord<?> record, JsonNode value) {
      return scalarText(path.find(value), "the run id field '" + path + "' of " + RecordNames.describe(record));
    }

    @Override
    public String lacking() {
      return "value field '" + path + "' (" + RequestMappingConfig.RUN_ID_FIELD + ") is missing, null or blank";
    }
  }

  record FromHeader(String name) implements RunIdSource {
    @Override
    public String runId(ConnectRecord<?> record, JsonNode value) {
      Header header = record.headers() == null ? null : record.headers().lastWithName(name);
      Object v = header == null ? null : header.value();
      String text;
      if (v == null) {
        return null;
      } else if (v instanceof byte[] bytes) {
        text = new String(bytes, StandardCharsets.UTF_8);
      } else if (v instanceof ByteBuffer buffer) {
        text = StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
      } else if (v instanceof CharSequence || v instanceof Number || v instanceof Boolean) {
        text = v.toString();
      } else {
        throw new DataException("the run id header '" + name + "' of " + RecordNames.describe(record) + " holds a "
            + v.getClass().getSimpleName() + ", not a string, bytes or a number");
      }
      return text.isBlank() ? null : text;
    }

    @Override
    public String lacking() {
      return "header '" + name + "' (" + RequestMappingConfig.RUN_ID_HEADER + ") is missing or blank";
    }
  }

  /** {@code order-${id}}: literal text and {@code ${path}} placeholders, in order. */
  record Template(String text, List<Object> parts) implements RunIdSource {
    static Template parse(String text) {
      List<Object> parts = new ArrayList<>();
      int i = 0;
      while (i < text.length()) {
        int open = text.indexOf("${", i);
        if (open < 0) {
          parts.add(text.substring(i));
          break;
        }
        if (open > i) {
          parts.add(text.substring(i, open));
        }
        int close = text.indexOf('}', open);
        if (close < 0) {
          throw new ConfigException(RequestMappingConfig.RUN_ID_TEMPLATE, text, "a placeholder '${' is not closed with '}'");
        }
        parts.add(FieldPath.parse(RequestMappingConfig.RUN_ID_TEMPLATE, text.substring(open + 2, close)));
        i = close + 1;
      }
      if (parts.stream().noneMatch(FieldPath.class::isInstance)) {
        throw new ConfigException(RequestMappingConfig.RUN_ID_TEMPLATE, text,
            "the template has no ${field} placeholder, so every record would get the same run id (and start one run)");
      }
      return new Template(text, List.copyOf(parts));
    }

    @Override
    public String runId(ConnectRecord<?> record, JsonNode value) {
      StringBuilder id = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof FieldPath path) {
          String piece = scalarText(path.find(value), "field '" + path + "' of the run id template, in " + RecordNames.describe(record) + ",");
          if (piece == null) {
            return null;
          }
          id.append(piece);
        } else {
          id.append(part);
        }
      }
      return id.toString();
    }

    @Override
    public String lacking() {
      return "a field of the run id template '" + text + "' (" + RequestMappingConfig.RUN_ID_TEMPLATE + ") is missing, null or blank";
    }
  }
}
