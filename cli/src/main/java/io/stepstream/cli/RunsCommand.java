package io.stepstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.stepstream.RunStatus;
import io.stepstream.client.EngineQueryException;
import io.stepstream.client.HistoryEntry;
import io.stepstream.client.PayloadView;
import io.stepstream.client.RunDescription;
import io.stepstream.client.RunError;
import io.stepstream.client.RunHistory;
import io.stepstream.client.RunPage;
import io.stepstream.client.RunQuery;
import io.stepstream.client.RunSummary;
import io.stepstream.internal.client.EngineQueries;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stepstream runs list|describe|history}: what runs exist and where they are, from the
 * engine's query API (any instance answers for every run). {@code --json} prints the API's answer.
 * The admin operations ({@code terminate|resume|restart}) are {@link RunAdminCommands}.
 */
@Command(
    name = "runs",
    description = "Runs: list (filters, pages), describe one, show its history (an engine's HTTP API, --engine-url); "
        + "terminate, resume, restart (commands through Kafka).",
    subcommands = {RunsCommand.ListRuns.class, RunsCommand.Describe.class, RunsCommand.History.class,
        RunAdminCommands.Terminate.class, RunAdminCommands.Resume.class, RunAdminCommands.Restart.class})
final class RunsCommand implements Runnable {
  static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "say what to do: stepstream runs list | describe RUN | history RUN | terminate RUN | resume RUN | restart RUN --from-step STEP");
  }

  /** Shared by the subcommands: the engine, --json, and errors printed as one line (exit 1). */
  abstract static class Query implements Callable<Integer> {
    @Mixin EngineUrlOptions engine;

    @Option(names = "--json", description = "Print the engine's JSON answer (the HTTP API's shapes, docs/operations.md) instead of a table.")
    boolean json;

    @Spec CommandSpec spec;

    abstract void query(EngineQueries queries, PrintWriter out) throws Exception;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try {
        query(engine.queries(), out);
        out.flush();
        return 0;
      } catch (EngineQueryException | NoSuchRun e) {
        spec.commandLine().getErr().println("stepstream runs " + spec.name() + ": " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 1;
      }
    }

    void printJson(JsonNode node, PrintWriter out) throws Exception {
      out.println(PRETTY.writeValueAsString(node));
    }
  }

  static final class NoSuchRun extends RuntimeException {
    NoSuchRun(String runId) {
      super("no run " + runId + " (never started, or removed after the retention window)");
    }
  }

  @Command(name = "list", description = "List runs, newest first: stepstream runs list [--status WAITING,PARKED] [--type T] [--search S] [--since 1h] [--limit N] [--cursor C].")
  static final class ListRuns extends Query {
    @Option(names = "--status", split = ",", paramLabel = "STATUS", description = "RUNNING, WAITING, PARKED, COMPLETED, FAILED, CANCELLED (comma-separated or repeated).")
    List<String> statuses = new ArrayList<>();

    @Option(names = "--type", split = ",", paramLabel = "TYPE", description = "Workflow types (comma-separated or repeated).")
    List<String> types = new ArrayList<>();

    @Option(names = "--search", paramLabel = "TEXT", description = "Runs whose id contains this (any case).")
    String search;

    @Option(names = "--since", paramLabel = "WHEN", description = "Created at or after: an instant (2026-12-01T08:00:00Z), or how long ago (90s, 15m, 2h, 7d).")
    String since;

    @Option(names = "--until", paramLabel = "WHEN", description = "Created before: an instant, or how long ago.")
    String until;

    @Option(names = "--limit", defaultValue = "50", description = "Runs a page, 1..500 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--cursor", description = "Where to continue: the cursor the previous page printed.")
    String cursor;

    RunQuery runQuery() {
      RunQuery.Builder b = RunQuery.builder().search(search).cursor(cursor);
      try {
        b.limit(limit);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--limit: " + e.getMessage());
      }
      for (String s : statuses) {
        try {
          b.status(RunStatus.valueOf(s.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), "--status " + s + ": not a run status; use RUNNING, WAITING, PARKED, COMPLETED, FAILED or CANCELLED");
        }
      }
      types.forEach(t -> b.type(t.strip()));
      if (since != null) {
        b.since(when("--since", since, Instant.now()));
      }
      if (until != null) {
        b.until(when("--until", until, Instant.now()));
      }
      return b.build();
    }

    Instant when(String option, String value, Instant now) {
      return parseWhen(value, now).orElseThrow(() -> new ParameterException(spec.commandLine(),
          option + " " + value + ": expected an instant (2026-12-01T08:00:00Z), epoch milliseconds, or how long ago (90s, 15m, 2h, 7d)"));
    }

    @Override
    void query(EngineQueries queries, PrintWriter out) throws Exception {
      RunQuery query = runQuery();
      if (json) {
        printJson(queries.listRunsJson(query), out);
        return;
      }
      RunPage page = queries.listRuns(query);
      printTable(page, out);
    }

    static void printTable(RunPage page, PrintWriter out) {
      if (page.runs().isEmpty()) {
        out.println("no runs" + (page.nextCursor().isPresent() ? " on this page" : ""));
      } else {
        Table table = new Table("RUN ID", "TYPE", "STATUS", "CREATED (UTC)", "UPDATED (UTC)", "WAITING FOR / NOTE");
        for (RunSummary r : page.runs()) {
          table.row(r.runId(), r.workflowType(), String.valueOf(r.status()), time(r.createdAt()), time(r.updatedAt()), note(r));
        }
        table.print(out);
      }
      page.nextCursor().ifPresent(c -> out.println("more: add --cursor " + c));
    }

    static String note(RunSummary r) {
      if (r.status() == RunStatus.WAITING) {
        String what = r.waitKind() == null ? "" : r.waitKind().toLowerCase(Locale.ROOT) + (r.waitName() == null ? "" : " '" + r.waitName() + "'");
        return what + (r.wakeAt() == null ? "" : " until " + time(r.wakeAt()));
      }
      if (r.status() == RunStatus.PARKED) {
        return r.parkedReason() == null ? "" : r.parkedReason();
      }
      return r.parentRunId() == null ? "" : "child of " + r.parentRunId();
    }
  }

  @Command(name = "describe", description = "One run: status, current step or wait, attempts, input, result or error, owning instance.")
  static final class Describe extends Query {
    @Parameters(index = "0", description = "Run id.")
    String runId;

    @Override
    void query(EngineQueries queries, PrintWriter out) throws Exception {
      if (json) {
        JsonNode node = queries.describeJson(runId);
        if (node == null) {
          throw new NoSuchRun(runId);
        }
        printJson(node, out);
        return;
      }
      RunDescription d = queries.describe(runId).orElseThrow(() -> new NoSuchRun(runId));
      RunSummary s = d.summary();
      line(out, "run", s.runId());
      line(out, "type", s.workflowType());
      line(out, "status", s.status() + (s.status() == RunStatus.WAITING ? " (" + ListRuns.note(s).strip() + ")" : "")
          + (d.cancelRequested() ? ", cancel requested" : ""));
      line(out, "created", time(s.createdAt()));
      line(out, "updated", time(s.updatedAt()));
      if (s.finishedAt() != null) {
        line(out, "finished", time(s.finishedAt()));
      }
      if (s.parkedReason() != null) {
        line(out, "parked", s.parkedReason());
      }
      if (s.parentRunId() != null) {
        line(out, "parent", s.parentRunId());
      }
      line(out, "current step", d.currentStep() == null ? "-" : d.currentStep() + " (attempt " + d.attempts() + ")");
      line(out, "generation", String.valueOf(d.generation()));
      line(out, "journal", d.entryCount() + " entries");
      if (!d.usage().equals(io.stepstream.Usage.ZERO)) {
        line(out, "usage", d.usage().inputTokens() + " input + " + d.usage().outputTokens() + " output tokens, cost " + d.usage().cost());
      }
      line(out, "input", text(d.input()));
      if (d.result() != null) {
        line(out, "result", text(d.result()));
      }
      if (d.error() != null) {
        line(out, "error", error(d.error()));
      }
      line(out, "served by", d.servedBy());
    }

    private static void line(PrintWriter out, String label, String value) {
      out.printf("%-13s %s%n", label + ":", value);
    }
  }

  @Command(name = "history", description = "A run's journal in order: steps, failed attempts, waits, values, durations.")
  static final class History extends Query {
    @Parameters(index = "0", description = "Run id.")
    String runId;

    @Override
    void query(EngineQueries queries, PrintWriter out) throws Exception {
      if (json) {
        JsonNode node = queries.historyJson(runId);
        if (node == null) {
          throw new NoSuchRun(runId);
        }
        printJson(node, out);
        return;
      }
      RunHistory h = queries.history(runId).orElseThrow(() -> new NoSuchRun(runId));
      out.println("run " + h.runId() + " (" + h.workflowType() + ") " + h.status() + ", served by " + h.servedBy());
      Table table = new Table("RECORDED (UTC)", "KIND", "NAME", "ATTEMPT", "DURATION", "VALUE / ERROR");
      for (HistoryEntry e : h.entries()) {
        String shown = e.error() != null ? error(e.error()) : e.dueAt() != null && e.value() == null ? "due " + time(e.dueAt()) : text(e.value());
        table.row(time(e.recordedAt()), e.kind(), e.name(), String.valueOf(e.attempt()), duration(e.duration()), shown);
      }
      table.print(out);
    }
  }

  // ---- formatting ----

  static String time(Instant t) {
    return t == null ? "-" : TIME.format(t);
  }

  static String duration(Duration d) {
    if (d == null) {
      return "-";
    }
    return d.toMillis() < 10_000 ? d.toMillis() + " ms" : d.toSeconds() + " s";
  }

  static String text(PayloadView v) {
    return v == null ? "-" : v.text();
  }

  static String error(RunError e) {
    return e.type() + ": " + e.message() + (e.step() == null ? "" : " (step " + e.step() + ")");
  }

  /**
   * {@code 2026-12-01T08:00:00Z}, epoch milliseconds, or how long ago ({@code 90s}, {@code 15m},
   * {@code 2h}, {@code 7d}, {@code PT2H}); empty when it is none of them.
   */
  static java.util.Optional<Instant> parseWhen(String value, Instant now) {
    String v = value.strip();
    try {
      return java.util.Optional.of(Instant.parse(v));
    } catch (DateTimeParseException e) {
      // not an instant: try the others
    }
    if (v.matches("\\d{10,}")) {
      return java.util.Optional.of(Instant.ofEpochMilli(Long.parseLong(v)));
    }
    java.util.regex.Matcher ago = java.util.regex.Pattern.compile("(\\d+)([smhd])").matcher(v.toLowerCase(Locale.ROOT));
    if (ago.matches()) {
      long n = Long.parseLong(ago.group(1));
      Duration d = switch (ago.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
      return java.util.Optional.of(now.minus(d));
    }
    try {
      return java.util.Optional.of(now.minus(Duration.parse(v.toUpperCase(Locale.ROOT))));
    } catch (DateTimeParseException e) {
      return java.util.Optional.empty();
    }
  }

  /** Columns as wide as their widest cell (the last one unpadded), for people reading a terminal. */
  static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
      rows.add(header);
    }

    void row(String... cells) {
      String[] clean = new String[cells.length];
      for (int i = 0; i < cells.length; i++) {
        clean[i] = cells[i] == null ? "-" : cells[i].replace('\n', ' ');
      }
      rows.add(clean);
    }

    void print(PrintWriter out) {
      int columns = rows.get(0).length;
      int[] width = new int[columns];
      for (String[] row : rows) {
        for (int i = 0; i < columns; i++) {
          width[i] = Math.max(width[i], row[i].length());
        }
      }
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < columns; i++) {
          line.append(i == columns - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
        }
        out.println(line.toString().stripTrailing());
      }
    }
  }
}
