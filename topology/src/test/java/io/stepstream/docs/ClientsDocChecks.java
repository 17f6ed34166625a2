package io.stepstream.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunCommandType;
import io.stepstream.internal.codec.ExternalInputDecoder;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.RequestDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The checks that keep docs/clients.md honest, each returning what is wrong (empty: nothing).
 * {@link ClientsDocsTest} runs them on the real doc and sources; {@link
 * ClientsDocsChecksCatchMistakesTest} shows each one failing on a broken copy.
 */
final class ClientsDocChecks {
  static final Path DOC = Path.of("..", "docs", "clients.md");
  private static final ObjectMapper JSON = new ObjectMapper();

  private ClientsDocChecks() {}

  static String doc() throws IOException {
    return Files.readString(DOC);
  }

  /** Main sources of client/ and topology/: where dead-letter codes are written. */
  static JavaSources engineSources() {
    return JavaSources.load(Path.of("..", "client", "src", "main", "java"), Path.of("src", "main", "java"));
  }

  /** Main sources of everything that touches records: client/, topology/, cli/. */
  static JavaSources recordSources() {
    return JavaSources.load(
        Path.of("..", "client", "src", "main", "java"), Path.of("src", "main", "java"), Path.of("..", "cli", "src", "main", "java"));
  }

  // ---- (a) audit events -------------------------------------------------------------------------

  static List<String> auditEventProblems(String doc) {
    Set<String> documented = MarkdownTables.namesOf(MarkdownTables.table(doc, "table:audit-events")).keySet();
    Set<String> symbols = Arrays.stream(AuditEventType.values()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
    return twoWays(symbols, documented,
        s -> "AuditEventType." + s + " has no row in the audit events table of docs/clients.md: say when it is written and what step and detail hold",
        d -> "the audit events table of docs/clients.md has a row for " + d + ", which is not an AuditEventType symbol");
  }

  // ---- (b) dead-letter codes --------------------------------------------------------------------

  static List<String> deadLetterProblems(String doc, JavaSources sources) {
    DeadLetterCodes.Scan scan = DeadLetterCodes.scan(sources);
    List<String> problems = new ArrayList<>(scan.problems());
    Set<String> documented = MarkdownTables.namesOf(MarkdownTables.table(doc, "table:dlq-codes")).keySet();
    problems.addAll(twoWays(scan.codes(), documented,
        c -> "dead-letter code " + c + " (the code can produce it) has no row in the dead-letter table of docs/clients.md: say what was wrong and what to do",
        d -> "the dead-letter table of docs/clients.md has a row for " + d + ", which no code produces any more"));
    return problems;
  }

  // ---- (d) headers ------------------------------------------------------------------------------

  static List<String> headerProblems(String doc, JavaSources sources) {
    HeaderNames.Scan scan = HeaderNames.scan(sources);
    List<String> problems = new ArrayList<>(scan.problems());
    Set<String> documented = MarkdownTables.namesOf(MarkdownTables.table(doc, "table:headers")).keySet();
    Set<String> streams = HeaderNames.kafkaStreamsErrorHeaders();
    Set<String> expected = new TreeSet<>(scan.names());
    expected.addAll(streams);
    problems.addAll(twoWays(expected, documented,
        h -> "header " + h + " is " + (streams.contains(h) ? "on Kafka Streams' dead letters" : "read or written by the code")
            + " but has no row in the headers table of docs/clients.md",
        h -> "the headers table of docs/clients.md has a row for " + h + ", which "
            + (h.startsWith("__streams.") ? "Kafka Streams does not write" : "no code reads or writes")));
    return problems;
  }

  // ---- (c) JSON inputs --------------------------------------------------------------------------

  /** One kind of JSON input: the fields table that documents it, how to decode it, and what it must decode to. */
  private record Kind(String table, Function<byte[], GenericRecord> decode, Function<GenericRecord, String> wrongIf) {}

  private static final Map<String, Kind> KINDS = Map.ofEntries(
      Map.entry("request", new Kind("fields:request", ClientsDocChecks::start, r -> null)),
      Map.entry("cancel", new Kind("fields:command", ClientsDocChecks::command,
          r -> r.get("type") == RunCommandType.CANCEL ? null : "decodes as a " + r.get("type") + " command, not CANCEL")),
      Map.entry("resume", new Kind("fields:command", ClientsDocChecks::command,
          r -> r.get("type") == RunCommandType.RESUME ? null : "decodes as a " + r.get("type") + " command, not RESUME")),
      Map.entry("approve", new Kind("fields:decision", v -> ExternalInputDecoder.decision(v),
          r -> Boolean.TRUE.equals(r.get("approved")) && r.get("editedPayload") == null ? null : "is not a plain approval")),
      Map.entry("reject", new Kind("fields:decision", v -> ExternalInputDecoder.decision(v),
          r -> Boolean.FALSE.equals(r.get("approved")) ? null : "is not a rejection")),
      Map.entry("approve-with-changes", new Kind("fields:decision", v -> ExternalInputDecoder.decision(v),
          r -> Boolean.TRUE.equals(r.get("approved")) && r.get("editedPayload") != null ? null : "is not an approval with an edited payload")),
      Map.entry("signal", new Kind("fields:signal", v -> ExternalInputDecoder.signal(v),
          r -> r.get("signalId") != null ? null : "has no signalId (show deduplication)")),
      Map.entry("promise-complete", new Kind("fields:promise", v -> ExternalInputDecoder.signal(v),
          r -> r.get("promiseId") != null && r.get("error") == null ? null : "is not a promise completion")),
      Map.entry("promise-fail", new Kind("fields:promise", v -> ExternalInputDecoder.signal(v),
          r -> r.get("promiseId") != null && r.get("error") != null ? null : "is not a promise failure")),
      Map.entry("task-heartbeat", new Kind("fields:promise", v -> ExternalInputDecoder.signal(v),
          r -> Boolean.TRUE.equals(r.get("heartbeat")) && r.get("payload") == null ? null : "is not a task heartbeat")),
      Map.entry("task-fail", new Kind("fields:promise", v -> ExternalInputDecoder.signal(v),
          r -> r.get("error") != null && Boolean.TRUE.equals(((GenericRecord) r.get("error")).get("nonRetryable"))
              ? null : "is not a non-retryable task failure")));

  /** For a probe that provokes the decoder's list of the fields it accepts. */
  private static final Map<String, String> PROBES = Map.of(
      "fields:request", "{\"$probe\": 1}",
      "fields:command", "{\"command\": \"cancel\", \"$probe\": 1}",
      "fields:decision", "{\"$probe\": 1}",
      "fields:signal", "{\"$probe\": 1}",
      "fields:promise", "{\"promiseId\": \"prm_x\", \"$probe\": 1}");

  /** JSON field name -> Avro field, where they differ. */
  private static final Map<String, String> AVRO_FIELD = Map.of("data", "payload", "command", "type");

  private static final Pattern UNLESS = Pattern.compile("unless `([^`]+)`");

  static List<String> jsonInputProblems(String doc) {
    List<String> problems = new ArrayList<>();
    List<MarkdownTables.Example> examples = MarkdownTables.examples(doc);
    Set<String> seen = examples.stream().map(MarkdownTables.Example::kind).collect(Collectors.toSet());
    for (String kind : new TreeSet<>(KINDS.keySet())) {
      if (!seen.contains(kind)) {
        problems.add("docs/clients.md has no ```json input=" + kind + " example");
      }
    }
    for (String table : new TreeSet<>(PROBES.keySet())) {
      problems.addAll(fieldsTableProblems(doc, table));
    }
    for (MarkdownTables.Example example : examples) {
      problems.addAll(exampleProblems(doc, example));
    }
    return problems;
  }

  /** The table lists exactly the fields the decoder accepts. */
  private static List<String> fieldsTableProblems(String doc, String table) {
    Set<String> documented = MarkdownTables.namesOf(MarkdownTables.table(doc, table)).keySet();
    Set<String> accepted = acceptedFields(table);
    return twoWays(accepted, documented,
        f -> "the decoder accepts field \"" + f + "\", but the table " + table + " of docs/clients.md does not list it",
        f -> "the table " + table + " of docs/clients.md lists field \"" + f + "\", which the decoder refuses as unknown");
  }

  /** What the decoder says its fields are when sent an unknown one (the same message users get). */
  private static Set<String> acceptedFields(String table) {
    String kind = KINDS.entrySet().stream().filter(e -> e.getValue().table().equals(table)).findFirst().orElseThrow().getKey();
    try {
      KINDS.get(kind).decode().apply(PROBES.get(table).getBytes(StandardCharsets.UTF_8));
    } catch (InvalidInputException e) {
      Matcher m = Pattern.compile("its fields are: (.*)$").matcher(e.getMessage());
      if (m.find()) {
        return Arrays.stream(m.group(1).split(",\\s*")).collect(Collectors.toCollection(TreeSet::new));
      }
      throw new IllegalStateException("the decoder's message for an unknown field no longer lists the fields: " + e.getMessage());
    }
    throw new IllegalStateException("the decoder accepted an unknown field ($probe) for " + table);
  }

  private static List<String> exampleProblems(String doc, MarkdownTables.Example example) {
    List<String> problems = new ArrayList<>();
    String where = "the ```json input=" + example.kind() + " example " + oneLine(example.json());
    Kind kind = KINDS.get(example.kind());
    if (kind == null) {
      return List.of(where + " has a kind the checks do not know; known: " + new TreeSet<>(KINDS.keySet()));
    }
    ObjectNode json;
    try {
      JsonNode parsed = JSON.readTree(example.json());
      if (!(parsed instanceof ObjectNode object)) {
        return List.of(where + " is not a JSON object");
      }
      json = object;
    } catch (IOException e) {
      return List.of(where + " is not valid JSON: " + e.getMessage());
    }
    GenericRecord decoded;
    try {
      decoded = kind.decode().apply(bytes(json));
    } catch (InvalidInputException e) {
      return List.of(where + " is refused by the engine: " + e.code() + ": " + e.getMessage());
    }
    String wrong = kind.wrongIf().apply(decoded);
    if (wrong != null) {
      problems.add(where + " " + wrong);
    }
    Map<String, MarkdownTables.Row> rows = MarkdownTables.namesOf(MarkdownTables.table(doc, kind.table()));
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      MarkdownTables.Row row = rows.get(field);
      if (row == null) {
        problems.add(where + " uses field \"" + field + "\", which the table " + kind.table() + " does not list");
        continue;
      }
      String mismatch = sameValue(decoded, field, json.get(field));
      if (mismatch != null) {
        problems.add(where + ": field \"" + field + "\" " + mismatch);
      }
      problems.addAll(requiredProblems(where, kind, json, field, row.cells().get(2)));
    }
    return problems;
  }

  /** Leaving the field out is refused exactly when the table says it is required. */
  private static List<String> requiredProblems(String where, Kind kind, ObjectNode json, String field, String requiredCell) {
    String cell = requiredCell.toLowerCase(java.util.Locale.ROOT);
    boolean required;
    if (cell.equals("no")) {
      required = false;
    } else if (cell.startsWith("yes")) {
      Matcher unless = UNLESS.matcher(requiredCell);
      required = !(unless.find() && json.has(unless.group(1)));
    } else {
      return List.of("the \"required\" cell of field \"" + field + "\" in " + kind.table() + " is \"" + requiredCell
          + "\": write yes, no, or yes, unless `other` is given");
    }
    ObjectNode without = json.deepCopy();
    without.remove(field);
    String refusal = null;
    try {
      kind.decode().apply(bytes(without));
    } catch (InvalidInputException e) {
      refusal = e.code() + ": " + e.getMessage();
    }
    if (required && refusal == null) {
      return List.of(where + " still decodes without \"" + field + "\", which " + kind.table() + " says is required");
    }
    if (!required && refusal != null) {
      return List.of(where + " is refused without \"" + field + "\" (" + refusal + "), which " + kind.table() + " says is optional");
    }
    return List.of();
  }

  /** Null when the decoded record holds what the example says, else what differs. */
  private static String sameValue(GenericRecord decoded, String jsonField, JsonNode expected) {
    String avroField = AVRO_FIELD.getOrDefault(jsonField, jsonField);
    Schema.Field f = decoded.getSchema().getField(avroField);
    if (f == null) {
      return "has no counterpart " + avroField + " in " + decoded.getSchema().getName();
    }
    Object actual = decoded.get(avroField);
    boolean same;
    if (actual instanceof Payload payload) {
      same = expected.equals(readJson(payload.getData()));
    } else if (actual instanceof Enum<?> symbol) {
      same = expected.isTextual() && symbol.name().equalsIgnoreCase(expected.asText());
    } else if (actual instanceof CharSequence text) {
      same = expected.isTextual() && text.toString().equals(expected.asText());
    } else if (actual instanceof Boolean b) {
      same = expected.isBoolean() && b == expected.booleanValue();
    } else if (actual instanceof Long || actual instanceof Integer) {
      same = expected.isIntegralNumber() && ((Number) actual).longValue() == expected.longValue();
    } else if (actual instanceof GenericRecord nested && expected.isObject()) {
      for (Iterator<String> names = expected.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        String mismatch = sameValue(nested, name, expected.get(name));
        if (mismatch != null) {
          return "." + name + " " + mismatch;
        }
      }
      same = true;
    } else if (actual instanceof List<?> list) {
      List<String> values = new ArrayList<>();
      expected.forEach(v -> values.add(v.asText()));
      same = expected.isArray() && list.stream().map(String::valueOf).toList().equals(values);
    } else {
      return "decodes to " + actual + ", which this check cannot compare";
    }
    return same ? null : "decodes to " + describe(actual) + ", not " + expected;
  }

  private static GenericRecord start(byte[] value) {
    RequestDecoder.Inbound in = RequestDecoder.decodeInbound(value);
    if (in instanceof RequestDecoder.Start start) {
      return start.request();
    }
    throw new InvalidInputException("DOCS_CHECK", "decodes as a command, not a request to start a run");
  }

  private static GenericRecord command(byte[] value) {
    RequestDecoder.Inbound in = RequestDecoder.decodeInbound(value);
    if (in instanceof RequestDecoder.Command command) {
      return command.command();
    }
    throw new InvalidInputException("DOCS_CHECK", "decodes as a request to start a run, not a command");
  }

  private static JsonNode readJson(ByteBuffer data) {
    ByteBuffer copy = data.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON payload that is not JSON: " + new String(bytes, StandardCharsets.UTF_8), e);
    }
  }

  private static String describe(Object actual) {
    return actual instanceof Payload p ? readJson(p.getData()).toString() : String.valueOf(actual);
  }

  private static byte[] bytes(JsonNode json) {
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String oneLine(String json) {
    String line = json.strip().replaceAll("\\s*\n\\s*", " ");
    return line.length() > 90 ? line.substring(0, 90) + "..." : line;
  }

  private static List<String> twoWays(
      Set<String> truth, Set<String> documented, Function<String, String> missing, Function<String, String> extra) {
    List<String> problems = new ArrayList<>();
    new TreeSet<>(truth).stream().filter(t -> !documented.contains(t)).map(missing).forEach(problems::add);
    new LinkedHashSet<>(documented).stream().filter(d -> !truth.contains(d)).map(extra).forEach(problems::add);
    return problems;
  }
}
