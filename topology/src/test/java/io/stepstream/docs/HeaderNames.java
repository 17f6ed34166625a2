package io.stepstream.docs;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils;

/**
 * Every record header name the product's main code reads or writes, from the calls that take one:
 * {@code headers.add/remove/headers(name, ...)} (on a variable named {@code headers} or on
 * {@code headers()}), {@code .lastHeader(name)} and {@code new RecordHeader(name, ...)}.
 * The name is a literal or a constant (resolved to its value); anything else must be listed in
 * {@link #FORWARDED} with the names it stands for, or the check fails naming the call.
 */
final class HeaderNames {
  /** Header-name arguments that are parameters ({@code "File.java: expression"}), with the names passed in. */
  static final Map<String, Set<String>> FORWARDED = Map.of(
      // TraceHeaders.last(headers, key) is called with TRACEPARENT and TRACESTATE
      "TraceHeaders.java: key", Set.of("traceparent", "tracestate"),
      // the OpenTelemetry W3C propagator's setter: it sets exactly these two
      "TraceContextHeaders.java: key", Set.of("traceparent", "tracestate"),
      // the workflow's own headers on an emitted record: users' names, not the product's
      "EmitSink.java: h.getKey()", Set.of(),
      // RedriveHeaders.text/add(headers, name, ...) are called with its three constants
      "RedriveHeaders.java: name", Set.of("stepstream.redrive.from", "stepstream.redrive.by", "stepstream.redrive.marker"),
      // DeadLetterStore.text(headers, name) reads a dead letter's headers, the engine's and Kafka Streams' own
      "DeadLetterStore.java: name", Set.of("stepstream.error.type", "stepstream.error.message", "stepstream.error.topic",
          "stepstream.error.partition", "stepstream.error.offset", "__streams.errors.exception", "__streams.errors.message",
          "__streams.errors.topic", "__streams.errors.partition", "__streams.errors.offset"));

  record Scan(Set<String> names, List<String> problems) {}

  private HeaderNames() {}

  static Scan scan(JavaSources sources) {
    Set<String> names = new TreeSet<>();
    List<String> problems = new ArrayList<>();
    Set<String> unused = new TreeSet<>(FORWARDED.keySet());
    List<JavaSources.Call> calls = new ArrayList<>(sources.calls(null, "new RecordHeader("));
    for (String receiver : List.of("headers", "headers()")) {
      for (String method : List.of("add(", "remove(", "headers(")) {
        calls.addAll(sources.calls(null, receiver + "." + method));
      }
    }
    calls.addAll(sources.calls(null, ".lastHeader("));
    for (JavaSources.Call call : calls) {
      if (call.call().startsWith("headers") && call.call().endsWith(".add(") && call.args().size() == 1) {
        continue; // headers.add(header): a Header made elsewhere (new RecordHeader(...), collected there)
      }
      if (call.args().isEmpty()) {
        problems.add("a header call without a name: " + call);
        continue;
      }
      String arg = call.arg(0);
      String name = JavaSources.literal(arg);
      if (name == null) {
        name = sources.constant(call.file(), arg);
      }
      if (name != null) {
        names.add(name);
        continue;
      }
      String key = call.file() + ": " + arg.replaceAll("\\s+", " ");
      Set<String> forwarded = FORWARDED.get(key);
      unused.remove(key);
      if (forwarded == null) {
        problems.add("a header name this check cannot read (" + key + ") in " + call
            + "; use a literal or a static final String constant, or list it in HeaderNames.FORWARDED");
        continue;
      }
      names.addAll(forwarded);
    }
    unused.forEach(key -> problems.add("HeaderNames.FORWARDED lists " + key + ", which no call passes any more; remove it"));
    return new Scan(names, problems);
  }

  /** The headers Kafka Streams' own dead-letter records carry ({@code __streams.errors.*}), from Kafka itself. */
  static Set<String> kafkaStreamsErrorHeaders() {
    Set<String> names = new TreeSet<>();
    for (Field f : ExceptionHandlerUtils.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.getName().startsWith("HEADER_ERRORS_")) {
        try {
          names.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return names;
  }
}
