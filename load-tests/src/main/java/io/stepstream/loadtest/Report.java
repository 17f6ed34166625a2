package io.stepstream.loadtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Regenerates {@code docs/benchmarks.md} from {@code load-tests/results/*.json}. A hand-written
 * block between {@code <!-- manual -->} and {@code <!-- /manual -->} in the existing file is kept
 * as it is.
 */
@Command(name = "load-tests/bench report", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "Regenerates docs/benchmarks.md from load-tests/results/*.json.")
public final class Report implements Callable<Integer> {
  static final String MANUAL_START = "<!-- manual -->";
  static final String MANUAL_END = "<!-- /manual -->";

  @Option(names = "--results-dir", paramLabel = "DIR", description = "Default <root>/load-tests/results.")
  Path resultsDir;

  @Option(names = "--output", paramLabel = "FILE", description = "Default <root>/docs/benchmarks.md.")
  Path output;

  @Option(names = "--charts-dir", paramLabel = "DIR", description = "Where the combined latency chart goes (default <root>/docs/benchmarks).")
  Path chartsDir;

  @Option(names = "--exclude", paramLabel = "REGEX", defaultValue = "tmp-.*",
      description = "Results whose name matches are left out (default ${DEFAULT-VALUE}: scratch runs named tmp-...).")
  String exclude;

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new Report()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path root = Environment.projectRoot();
    Path in = resultsDir != null ? resultsDir : root.resolve("load-tests").resolve("results");
    Path out = output != null ? output : root.resolve("docs").resolve("benchmarks.md");
    Path charts = chartsDir != null ? chartsDir : out.toAbsolutePath().getParent().resolve("benchmarks");
    List<BenchResult> results = load(in);
    if (exclude != null && !exclude.isEmpty()) {
      results.removeIf(r -> r.name().matches(exclude));
    }
    if (results.isEmpty()) {
      System.err.println("no results in " + in + ": run load-tests/bench first");
      return 1;
    }
    String manual = Files.exists(out) ? manualBlock(Files.readString(out, StandardCharsets.UTF_8)) : null;
    Path combined = combinedLatencyChart(results, charts);
    Path inAbs = in.toAbsolutePath().normalize();
    String source = inAbs.startsWith(root) ? root.relativize(inAbs) + "/*.json" : inAbs + "/*.json";
    String md = render(results, manual, root, out.toAbsolutePath().getParent(), combined, source);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md, StandardCharsets.UTF_8);
    System.err.println("[bench] wrote " + out + " from " + results.size() + " results in " + in);
    return 0;
  }

  static List<BenchResult> load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return new ArrayList<>();
    }
    List<BenchResult> results = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList())) {
        try {
          results.add(BenchResult.read(f));
        } catch (IOException e) {
          System.err.println("[bench] skipping " + f + ": " + e.getMessage());
        }
      }
    }
    results.sort(Comparator.comparingInt((BenchResult r) -> Scenario.orderOf(r.scenario()))
        .thenComparing(r -> modeOrder(r.mode()))
        .thenComparingLong(r -> r.counts().runs())
        .thenComparing(BenchResult::name));
    return results;
  }

  private static int modeOrder(String mode) {
    return switch (mode) {
      case "latency" -> 0;
      case "burst" -> 1;
      default -> 2;
    };
  }

  /** The manual block including its markers, or null. */
  static String manualBlock(String existing) {
    int start = existing.indexOf(MANUAL_START);
    int end = existing.indexOf(MANUAL_END, start < 0 ? 0 : start);
    if (start < 0 || end < 0) {
      return null;
    }
    return existing.substring(start, end + MANUAL_END.length());
  }

  private static Path combinedLatencyChart(List<BenchResult> results, Path chartsDir) throws IOException {
    Map<String, List<BenchResult.Percentile>> series = new LinkedHashMap<>();
    for (BenchResult r : results) {
      if ("latency".equals(r.mode()) && r.percentiles() != null && !r.percentiles().isEmpty()) {
        series.put(r.name(), r.percentiles());
      }
    }
    if (series.isEmpty()) {
      return null;
    }
    Path file = chartsDir.resolve("latency-all.png");
    Charts.latencyDistribution(file, "End-to-end latency by percentile, one run at a time", series);
    return file;
  }

  static String render(List<BenchResult> results, String manual, Path root, Path docDir, Path combinedChart, String source) {
    StringBuilder md = new StringBuilder();
    md.append("# Stepstream benchmarks\n\n");
    md.append("Generated by `load-tests/bench report` (`io.stepstream.loadtest.Report`) from `").append(source).append("` on ")
        .append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
        .append(". Everything outside the manual block is regenerated; see [load-tests/README.md](../load-tests/README.md) ")
        .append("for how to reproduce the numbers.\n\n");
    md.append(manual != null ? manual : MANUAL_START + "\n" + MANUAL_END).append("\n\n");

    md.append("## Setup\n\n");
    Set<String> machines = results.stream().map(r -> r.machine().oneLine()).collect(Collectors.toCollection(LinkedHashSet::new));
    Set<String> commits = results.stream().map(r -> r.git().describe()).collect(Collectors.toCollection(LinkedHashSet::new));
    md.append("| | |\n|---|---|\n");
    md.append("| Machine | ").append(String.join("<br>", machines)).append(" |\n");
    md.append("| Engine (git commit) | ").append(commits.stream().map(c -> "`" + c + "`").collect(Collectors.joining(", "))).append(" |\n");
    Set<String> targets = results.stream().map(BenchResult::target).collect(Collectors.toCollection(LinkedHashSet::new));
    md.append("| Target | ").append(targets.stream().map(Report::describeTarget).collect(Collectors.joining("<br>"))).append(" |\n");
    md.append("| Latency | end to end: from the call that produces the request (`WorkflowClient.startAsync`) to the moment the client's result future completes (result committed by the engine and consumed by the client); HdrHistogram, microsecond resolution; completed runs only |\n");
    md.append("| Throughput | completed runs (and steps) divided by the time from the first request sent to the last result received |\n");
    md.append("| Errors | non-COMPLETED results + requests that could not be sent + runs without a result within the timeout |\n\n");

    md.append("Scenarios: ");
    Set<String> measured = results.stream().map(BenchResult::scenario).collect(Collectors.toSet());
    md.append(Stream.of(Scenario.values()).filter(s -> measured.contains(s.id()))
        .map(s -> "**" + s.id() + "**: " + s.description()).collect(Collectors.joining("; ")));
    md.append(". Modes: **latency**: one run at a time, the next started when the previous result arrived; **burst**: all runs sent as fast as possible, then all results awaited; **rate**: open loop at a fixed request rate.\n\n");

    List<BenchResult> latency = results.stream().filter(r -> "latency".equals(r.mode())).collect(Collectors.toList());
    List<BenchResult> load = results.stream().filter(r -> !"latency".equals(r.mode())).collect(Collectors.toList());
    if (!latency.isEmpty()) {
      md.append("## Latency: one run at a time\n\n");
      md.append("| Benchmark | Runs | Errors | p50 ms | p90 ms | p99 ms | max ms | Runs/s |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
      for (BenchResult r : latency) {
        md.append(String.format(Locale.ROOT, "| [%s](#%s) | %d | %d | %s | %s | %s | %s | %s |\n", r.name(), anchor(r.name()),
            r.counts().runs(), r.counts().errors(), num(r.latencyMs().p50()), num(r.latencyMs().p90()), num(r.latencyMs().p99()),
            num(r.latencyMs().max()), num(r.throughput().runsPerS())));
      }
      md.append('\n');
      if (combinedChart != null) {
        md.append("![latency by percentile](").append(link(docDir, combinedChart)).append(")\n\n");
      }
    }
    if (!load.isEmpty()) {
      md.append("## Throughput: many runs at once\n\n");
      md.append("| Benchmark | Runs | Errors | Runs/s | Steps/s | Elapsed s | p50 ms | p90 ms | p99 ms | max ms |\n");
      md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (BenchResult r : load) {
        md.append(String.format(Locale.ROOT, "| [%s](#%s) | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", r.name(), anchor(r.name()),
            r.counts().runs(), r.counts().errors(), num(r.throughput().runsPerS()), num(r.throughput().stepsPerS()),
            num(r.throughput().elapsedS()), num(r.latencyMs().p50()), num(r.latencyMs().p90()), num(r.latencyMs().p99()),
            num(r.latencyMs().max())));
      }
      md.append('\n');
    }

    String phaseTable = phaseTable(results);
    if (phaseTable != null) {
      md.append("## Where the time goes\n\n");
      md.append("Each measured run split into phases, p50 in ms (p99 in brackets), from the engine's own records: the request's")
          .append(" timestamp, the orchestrator's RUN_STARTED and RUN_COMPLETED audit events, the executor's completion outcome and")
          .append(" the client's receive time. Then the share of the measured phase the orchestrator's stream thread spent committing")
          .append(" transactions, the CPU used by the benchmark JVM and by everything else on the machine (as a share of all cores), and how much of")
          .append(" the benchmark JVM's CPU went to the JIT compiler.");
      if (results.stream().anyMatch(r -> phases(r) != null && phases(r).containsKey("approvalRequestedToDecided"))) {
        md.append(" For **approvals** runs \"-> last step done\" includes the wait for the approval; their details split it out.");
      }
      md.append("\n\n");
      md.append(phaseTable).append('\n');
    }
    md.append("## Details\n");
    for (BenchResult r : results) {
      md.append("\n### ").append(r.name()).append("\n\n");
      md.append("```\n").append(r.command()).append("\n```\n\n");
      md.append("- Scenario `").append(r.scenario()).append("` (").append(r.stepsPerRun()).append(" steps per run), mode `")
          .append(r.mode()).append("`: ").append(r.counts().runs()).append(" measured runs after ").append(r.load().warmup())
          .append(" warm-up runs")
          .append(r.load().warmupS() > 0 ? " (repeated for at least " + r.load().warmupS() + " s)" : "");
      if (r.load().targetRatePerS() != null) {
        md.append(", target ").append(num(r.load().targetRatePerS())).append(" runs/s for ").append(r.load().durationS()).append(" s");
        if (r.throughput().achievedSendRatePerS() != null) {
          md.append(" (sent at ").append(num(r.throughput().achievedSendRatePerS())).append(" runs/s, max send lag ")
              .append(num(r.throughput().maxSendLagMs())).append(" ms)");
        }
      }
      md.append(".\n");
      String what = scenarioDescription(r.scenario());
      if (what != null) {
        md.append("- What a run does: ").append(what).append(".\n");
      }
      md.append("- Measured ").append(r.startedAt()).append(" at commit `").append(r.git().describe()).append("`, ")
          .append(describeTarget(r.target())).append(".\n");
      md.append(String.format(Locale.ROOT, "- Latency ms: min %s, mean %s, p50 %s, p90 %s, p99 %s, p99.9 %s, max %s.%n",
          num(r.latencyMs().min()), num(r.latencyMs().mean()), num(r.latencyMs().p50()), num(r.latencyMs().p90()),
          num(r.latencyMs().p99()), num(r.latencyMs().p999()), num(r.latencyMs().max())));
      md.append(String.format(Locale.ROOT, "- Throughput: %s runs/s, %s steps/s over %s s.%n",
          num(r.throughput().runsPerS()), num(r.throughput().stepsPerS()), num(r.throughput().elapsedS())));
      var c = r.counts();
      md.append(String.format(Locale.ROOT, "- Completed %d of %d; errors %d (failed %d, send errors %d, timeouts %d)%s.%n",
          c.completed(), c.runs(), c.errors(), c.failed(), c.sendErrors(), c.timeouts(),
          c.errorKinds() == null || c.errorKinds().isEmpty() ? "" : ": " + c.errorKinds()));
      md.append("- Engine configuration: ").append(engineConfig(r)).append("\n");
      List<String> where = whereTheTimeGoes(r);
      if (!where.isEmpty()) {
        md.append("- Where the time goes (from the engine's topics and client counters over the measured phase):\n");
        where.forEach(w -> md.append("  - ").append(w).append('\n'));
      }
      if (r.engineMetrics() != null) {
        md.append("- Engine counters at the end: `").append(r.engineMetrics()).append("`\n");
      }
      if (r.charts() != null && !r.charts().isEmpty()) {
        md.append('\n');
        for (String chart : r.charts()) {
          Path p = Path.of(chart);
          Path abs = p.isAbsolute() ? p : root.resolve(p);
          String label = chart.endsWith("-throughput.png") ? "results per second" : "latency by percentile";
          md.append("![").append(r.name()).append(' ').append(label).append("](").append(link(docDir, abs)).append(")\n");
        }
      }
    }
    return md.toString();
  }

  /** A readable digest of {@link BenchResult#diagnostics()}: one line per finding (empty if there are none). */
  @SuppressWarnings("unchecked")
  static List<String> whereTheTimeGoes(BenchResult r) {
    List<String> parts = new ArrayList<>();
    Map<String, Object> d = r.diagnostics();
    if (d == null || !(d.get("countersDuringMeasuredPhase") instanceof Map<?, ?>)) {
      return parts;
    }
    Map<String, Object> c = (Map<String, Object>) d.get("countersDuringMeasuredPhase");
    Map<String, Object> avg = d.get("recentAverages") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    double phase = val(d, "measuredPhaseS");
    Map<String, Object> phases = phases(r);
    if (phases != null) {
      List<String> ph = new ArrayList<>();
      PHASE_LABELS.forEach((k, label) -> {
        if (phases.get(k) instanceof Map<?, ?> q) {
          ph.add(label + ": " + q.get("p50") + " / " + q.get("p90") + " / " + q.get("p99") + " / " + q.get("max"));
        }
      });
      parts.add("Phases of a run, ms (p50 / p90 / p99 / max over " + phases.get("runsTraced") + " runs): " + String.join("; ", ph) + ".");
    }
    parts.addAll(approvalLines(r));
    if (c.containsKey("streamThreads.commit-total") && phase > 0) {
      double commits = val(c, "streamThreads.commit-total");
      parts.add(String.format(Locale.ROOT,
          "Orchestrator stream thread: %,.0f transactions in %s s; committing took %s s = %.0f%% of the time (producer flush %s s,"
              + " sendOffsetsToTransaction %s s, commitTransaction %s s; %s ms per commit); %,.0f input records in %,.0f polls,"
              + " %,.0f records written in transactions (%s per input record)%s.",
          commits, num(phase), num(commitSeconds(c)), 100 * commitSeconds(c) / phase, num(val(c, "streamsProducer.flush-time-s")),
          num(val(c, "streamsProducer.txn-send-offsets-time-s")), num(val(c, "streamsProducer.txn-commit-time-s")),
          commits > 0 ? num(1000 * commitSeconds(c) / commits) : "-", val(c, "streamThreads.process-total"), val(c, "streamThreads.poll-total"),
          val(c, "streamsProducer.record-send-total"),
          val(c, "streamThreads.process-total") > 0 ? num(val(c, "streamsProducer.record-send-total") / val(c, "streamThreads.process-total")) : "-",
          val(c, "streamsProducer.record-retry-total") > 0
              ? String.format(Locale.ROOT, "; %,.0f produce retries (e.g. CONCURRENT_TRANSACTIONS)", val(c, "streamsProducer.record-retry-total"))
              : ""));
    }
    if (c.containsKey("outcomeProducer.record-send-total")) {
      String queued = d.containsKey("maxQueuedExecutions") && val(d, "maxQueuedExecutions") >= 0
          ? String.format(Locale.ROOT, "; at most %,.0f executions waited for an executor thread", val(d, "maxQueuedExecutions"))
          : "";
      parts.add(String.format(Locale.ROOT,
          "Executors: %,.0f step-outcome records published (acks=all; an execution waits for each ack before it goes on): request latency avg %s ms, max %s ms%s.",
          val(c, "outcomeProducer.record-send-total"), num(val(avg, "outcomeProducer.request-latency-avg")),
          num(val(avg, "outcomeProducer.request-latency-max")), queued));
    }
    if (d.get("thisProcessCpuS") != null && phase > 0) {
      double cores = val(d, "cpuCores");
      String by = d.get("thisProcessCpuSByComponent") instanceof Map<?, ?> m
          ? " (" + m.entrySet().stream().map(e -> e.getKey() + " " + num(((Number) e.getValue()).doubleValue()) + " s")
              .collect(Collectors.joining(", ")) + ")"
          : "";
      parts.add(String.format(Locale.ROOT, "CPU: this JVM (generator + broker + engine) used %s s = %.0f%% of %s cores%s; other processes %s s.",
          num(val(d, "thisProcessCpuS")), 100 * val(d, "thisProcessCpuS") / (phase * Math.max(1, cores)), num(cores), by,
          num(val(d, "otherProcessesCpuS"))));
    }
    return parts;
  }

  /**
   * For runs that waited for the auto-approver: the approval round trip from the engine's audit
   * events, and what the auto-approver process did (empty for other scenarios).
   */
  @SuppressWarnings("unchecked")
  static List<String> approvalLines(BenchResult r) {
    List<String> parts = new ArrayList<>();
    Map<String, Object> d = r.diagnostics();
    if (d == null) {
      return parts;
    }
    if (d.get("phasesMs") instanceof Map<?, ?> p && p.containsKey("approvalRequestedToDecided")) {
      Map<String, Object> phases = (Map<String, Object>) p;
      List<String> ph = new ArrayList<>();
      APPROVAL_PHASE_LABELS.forEach((k, label) -> {
        if (phases.get(k) instanceof Map<?, ?> q) {
          ph.add(label + ": " + q.get("p50") + " / " + q.get("p90") + " / " + q.get("p99") + " / " + q.get("max"));
        }
      });
      parts.add("Approval round trip, ms (p50 / p90 / p99 / max over " + phases.get("approvalRunsTraced") + " runs; all inside"
          + " \"-> executor done with the last step\"): " + String.join("; ", ph) + ".");
    }
    if (d.get("autoApprover") instanceof Map<?, ?> a) {
      Map<String, Object> s = a.get("summary") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
      StringBuilder line = new StringBuilder("Auto-approver: its own JVM");
      if (!s.isEmpty()) {
        line.append(String.format(Locale.ROOT, " (think %s ms, %s threads sending)", s.get("thinkMs"), s.get("threads")));
        line.append(String.format(Locale.ROOT, ", %s approval requests read, %s decisions sent (warm-up included), %s send errors",
            s.get("requests"), s.get("decisionsSent"), s.get("sendErrors")));
        line.append(String.format(Locale.ROOT, "; request read -> decision acknowledged ms p50 %s, p99 %s, max %s",
            num(s.get("answerMsP50")), num(s.get("answerMsP99")), num(s.get("answerMsMax"))));
      } else {
        line.append(" (printed no summary)");
      }
      Map<String, Object> am = (Map<String, Object>) a;
      if (am.get("cpuSDuringMeasuredPhase") instanceof Number cpu) {
        line.append("; CPU during the measured phase ").append(num(cpu.doubleValue())).append(" s (counted under other processes)");
      }
      parts.add(line.append('.').toString());
    }
    return parts;
  }

  static final Map<String, String> APPROVAL_PHASE_LABELS = new LinkedHashMap<>();

  static {
    APPROVAL_PHASE_LABELS.put("dispatchToApprovalRequested", "run dispatched -> approval requested (after step prepare)");
    APPROVAL_PHASE_LABELS.put("approvalRequestedToDecided",
        "-> decision applied (request committed, read by the auto-approver, decision signed and sent, read and applied by the orchestrator)");
    APPROVAL_PHASE_LABELS.put("approvalDecidedToLastStepDone", "-> executor done with step apply (run dispatched again)");
  }

  private static String scenarioDescription(String id) {
    for (Scenario s : Scenario.values()) {
      if (s.id().equals(id)) {
        return s.description();
      }
    }
    return null;
  }

  static final Map<String, String> PHASE_LABELS = new LinkedHashMap<>();

  static {
    PHASE_LABELS.put("requestToDispatch", "request sent -> run dispatched");
    PHASE_LABELS.put("dispatchToLastStepDone", "-> executor done with the last step");
    PHASE_LABELS.put("lastStepToCompletionApplied", "-> orchestrator applied the completion");
    PHASE_LABELS.put("completionAppliedToClient", "-> client has the committed result");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> phases(BenchResult r) {
    Map<String, Object> d = r.diagnostics();
    if (d != null && d.get("phasesMs") instanceof Map<?, ?> p && p.get("requestToDispatch") instanceof Map<?, ?>) {
      return (Map<String, Object>) p;
    }
    return null;
  }

  static double commitSeconds(Map<String, Object> c) {
    return val(c, "streamsProducer.flush-time-s") + val(c, "streamsProducer.txn-send-offsets-time-s")
        + val(c, "streamsProducer.txn-commit-time-s") + val(c, "streamsProducer.txn-begin-time-s");
  }

  /** The "where the time goes" overview: p50 of each phase, commit share, CPU, one row per result. */
  @SuppressWarnings("unchecked")
  static String phaseTable(List<BenchResult> results) {
    StringBuilder md = new StringBuilder();
    md.append("| Benchmark | request -> dispatched | -> last step done | -> completion applied | -> client has result | stream thread committing | CPU used (this JVM / others) | JIT compiler share of this JVM's CPU |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    int rows = 0;
    for (BenchResult r : results) {
      Map<String, Object> p = phases(r);
      Map<String, Object> d = r.diagnostics();
      if (p == null || d == null) {
        continue;
      }
      rows++;
      md.append("| ").append(r.name());
      for (String k : PHASE_LABELS.keySet()) {
        Map<String, Object> q = p.get(k) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        md.append(" | ").append(q.get("p50")).append(" (p99 ").append(q.get("p99")).append(")");
      }
      double phase = val(d, "measuredPhaseS");
      Map<String, Object> c = d.get("countersDuringMeasuredPhase") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
      md.append(" | ").append(phase > 0 && c.containsKey("streamThreads.commit-total")
          ? String.format(Locale.ROOT, "%.0f%%", 100 * commitSeconds(c) / phase) : "-");
      double cores = Math.max(1, val(d, "cpuCores"));
      md.append(" | ").append(phase > 0 && d.containsKey("thisProcessCpuS")
          ? String.format(Locale.ROOT, "%.0f%% / %.0f%%", 100 * val(d, "thisProcessCpuS") / (phase * cores),
              100 * val(d, "otherProcessesCpuS") / (phase * cores))
          : "-");
      Map<String, Object> by = d.get("thisProcessCpuSByComponent") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
      md.append(" | ").append(by.containsKey("JIT compiler") && val(d, "thisProcessCpuS") > 0
          ? String.format(Locale.ROOT, "%.0f%%", 100 * val(by, "JIT compiler") / val(d, "thisProcessCpuS")) : "-");
      md.append(" |\n");
    }
    return rows == 0 ? null : md.toString();
  }

  private static double val(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.doubleValue() : 0;
  }

  private static String engineConfig(BenchResult r) {
    if (!"embedded".equals(r.target())) {
      return "external engine (its flags are not recorded here; see how `load-tests/bench engine` was started)";
    }
    StringBuilder s = new StringBuilder();
    Map<String, Object> flags = r.engineFlags() == null ? Map.of() : r.engineFlags();
    s.append(flags.isEmpty() ? "engine defaults (no tuning flags)" : "flags " + flags);
    Map<String, Object> eff = r.engineEffective();
    if (eff != null && !eff.isEmpty() && !eff.containsKey("unavailable")) {
      List<String> parts = new ArrayList<>();
      eff.forEach((k, v) -> {
        if (!"streamsConfig".equals(k)) {
          parts.add(k + " " + v);
        }
      });
      s.append("; effective: ").append(String.join(", ", parts));
      if (eff.get("streamsConfig") instanceof Map<?, ?> streams) {
        s.append("; Kafka Streams: ").append(streams.entrySet().stream()
            .map(e -> "`" + e.getKey() + "=" + e.getValue() + "`").collect(Collectors.joining(", ")));
      }
    } else if (eff != null && eff.containsKey("unavailable")) {
      s.append(" (").append(eff.get("unavailable")).append(")");
    }
    return s.toString();
  }

  private static String describeTarget(String target) {
    return "embedded".equals(target)
        ? "embedded: one single-node KRaft broker and one engine instance inside the generator's JVM, fresh topics and state per benchmark"
        : "external cluster (--bootstrap-servers) with a separately started engine";
  }

  private static String link(Path docDir, Path file) {
    return docDir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize()).toString().replace('\\', '/');
  }

  /** GitHub's heading anchor: lower case, spaces to dashes, punctuation other than - and _ dropped. */
  static String anchor(String heading) {
    return heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
  }

  private static String num(Object v) {
    return v instanceof Number n ? num(n.doubleValue()) : String.valueOf(v);
  }

  static String num(Double v) {
    if (v == null) {
      return "-";
    }
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
