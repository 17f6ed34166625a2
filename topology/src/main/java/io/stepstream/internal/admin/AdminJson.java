package io.stepstream.internal.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.client.CommandResult;
import io.stepstream.client.DeadLetterPage;
import io.stepstream.client.DeadLetterView;
import io.stepstream.client.RedriveResult;
import io.stepstream.client.ResumeParkedResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of admin answers (docs/operations.md, CONTRACT of the HTTP API), shared by the HTTP routes and the CLI's --json. */
public final class AdminJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AdminJson() {}

  /** {@code {"commandId","runId","command","accepted","detail"}}; accepted null when no answer came in time. */
  public static Map<String, Object> command(String runId, String command, CommandResult answer) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("commandId", answer == null ? null : answer.commandId());
    m.put("runId", runId);
    m.put("command", command);
    m.put("accepted", answer == null ? null : answer.accepted());
    m.put("detail", answer == null ? "no answer from the engine yet; see the run's events" : answer.detail());
    return m;
  }

  public static Map<String, Object> resumeParked(ResumeParkedResult sent) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("commandId", sent.commandId());
    m.put("partitions", sent.partitions());
    return m;
  }

  public static Map<String, Object> page(DeadLetterPage page) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("deadLetters", page.deadLetters().stream().map(AdminJson::deadLetter).toList());
    m.put("nextCursor", page.nextCursor());
    return m;
  }

  /** DeadLetterView: the contract's fields, plus {@code redrivable} and {@code notRedrivable} (why not). */
  public static Map<String, Object> deadLetter(DeadLetterView d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("partition", d.partition());
    m.put("offset", d.offset());
    m.put("runId", d.runId());
    m.put("errorType", d.errorType());
    m.put("errorMessage", d.errorMessage());
    m.put("sourceTopic", d.sourceTopic());
    m.put("sourcePartition", d.sourcePartition());
    m.put("sourceOffset", d.sourceOffset());
    m.put("failedAt", d.failedAt());
    m.put("key", d.key());
    m.put("value", value(d));
    m.put("redriven", d.redriven());
    m.put("redrivable", d.redrivable());
    m.put("notRedrivable", d.notRedrivable());
    return m;
  }

  /** Value: {@code {"encoding","json","text","bytes"}}; null when no value was kept. */
  static Map<String, Object> value(DeadLetterView d) {
    if (d.valueEncoding() == null) {
      return null;
    }
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("encoding", d.valueEncoding());
    if ("json".equals(d.valueEncoding())) {
      try {
        JsonNode parsed = JSON.readTree(d.valueText());
        v.put("json", parsed);
      } catch (Exception e) {
        // cut or not valid JSON after all: the text is there
      }
    }
    v.put("text", d.valueText());
    v.put("bytes", d.valueBytes());
    return v;
  }

  public static Map<String, Object> redrive(RedriveResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("redriven", r.redriven().stream().map(x -> Map.<String, Object>of("partition", x.partition(), "offset", x.offset(),
        "toTopic", x.toTopic())).toList());
    m.put("refused", r.refused().stream().map(x -> Map.<String, Object>of("partition", x.partition(), "offset", x.offset(),
        "reason", x.reason())).toList());
    return m;
  }

  public static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException("could not write JSON: " + e.getMessage(), e);
    }
  }

  static JsonNode read(String text) throws java.io.IOException {
    return JSON.readTree(text);
  }

  static List<String> fields(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
