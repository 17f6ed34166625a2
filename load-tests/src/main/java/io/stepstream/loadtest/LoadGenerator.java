package io.stepstream.loadtest;

import io.stepstream.client.RunHandle;
import io.stepstream.client.Topics;
import io.stepstream.client.WorkflowClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Drives a Stepstream engine with one scenario in one mode and measures end-to-end latency (start
 * called -> result future completed) and throughput.
 *
 * <pre>
 * load-tests/bench noop-3 latency --runs 1000
 * load-tests/bench noop-3 burst --runs 10000
 * load-tests/bench noop-3 rate --rate 500 --duration 60
 * load-tests/bench approvals burst --runs 2000          (an auto-approver answers from its own JVM)
 * load-tests/bench noop-3 burst --bootstrap-servers 127.0.0.1:9092 --topic-prefix bench
 * </pre>
 */
@Command(
    name = "load-tests/bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 120,
    description = {
      "Drives Stepstream with one scenario and measures end-to-end latency and throughput.",
      "Without --bootstrap-servers it starts its own embedded broker and one engine instance in this JVM.",
      "Writes load-tests/results/<name>.json and charts under docs/benchmarks/."
    })
public final class LoadGenerator implements Callable<Integer> {

  enum Mode { LATENCY, BURST, RATE, CLOSED }

  @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO", description = "noop-3 | noop-10 | slow-steps | approvals (or --scenario)")
  String scenarioArg;

  @Parameters(index = "1", arity = "0..1", paramLabel = "MODE", description = "latency | burst | rate | closed (or --mode)")
  String modeArg;

  @Option(names = "--scenario", paramLabel = "SCENARIO", description = "noop-3 | noop-10 | slow-steps | approvals")
  String scenarioOpt;

  @Option(names = "--mode", paramLabel = "MODE",
      description = "latency: one run at a time; burst: all runs as fast as possible; rate: open loop at --rate for --duration;"
          + " closed: --concurrency clients, each starting a run when its previous one finished")
  String modeOpt;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "1",
      description = "closed mode: clients, each with one run in flight (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--processes", paramLabel = "1|3", defaultValue = "1",
      description = "1: broker, engine and generator in this JVM; 3: broker, engine and generator each in its own JVM, the way users"
          + " run it (default ${DEFAULT-VALUE}). Ignored with --bootstrap-servers.")
  int processes;

  @Option(names = "--engine-jvm-options", paramLabel = "OPTS", defaultValue = "-Xmx2g",
      description = "--processes 3: JVM options of the engine process, space-separated (default ${DEFAULT-VALUE}).")
  String engineJvmOptions;

  @Option(names = "--runs", paramLabel = "N",
      description = "Measured runs (default: 1000 for latency, 10000 for burst; 1000 for slow-steps burst; 300 / 2000 for approvals latency / burst).")
  Integer runs;

  @Option(names = "--warmup", paramLabel = "N",
      description = "Runs before measuring, not recorded (default 200; 3 for slow-steps latency, 50 for approvals latency). Latency mode runs them one by one, the others as a burst.")
  Integer warmup;

  @Option(names = "--warmup-s", paramLabel = "S", defaultValue = "0",
      description = "Repeat the warm-up batch until at least S seconds have passed (default ${DEFAULT-VALUE}): on 2 cores the JIT keeps compiling for a minute or more.")
  int warmupS;

  @Option(names = "--rate", paramLabel = "RUNS_PER_S", description = "Rate mode: target request rate.")
  Double rate;

  @Option(names = "--duration", paramLabel = "S", description = "Rate mode: seconds of sending.")
  Integer durationS;

  @Option(names = "--timeout-s", paramLabel = "S", defaultValue = "120",
      description = "How long to wait for results after the last request (latency mode: per run); later ones count as timeouts (default ${DEFAULT-VALUE}).")
  long timeoutS;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
      description = "An existing cluster with an engine running the scenario workflows (load-tests/bench engine). Without it: embedded broker + engine.")
  String bootstrapServers;

  @Option(names = "--command-config", paramLabel = "FILE",
      description = "With --bootstrap-servers: Kafka client properties (security.protocol, sasl.*, ssl.*) for every client the generator"
          + " and its auto-approver create, as for Kafka's own tools.")
  java.nio.file.Path commandConfig;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX",
      description = "Topic prefix of the engine (default: bench-<millis> when embedded, bench with --bootstrap-servers).")
  String topicPrefix;

  @Option(names = "--name", paramLabel = "NAME", description = "Name of the result (file names, report rows); default <scenario>-<mode>.")
  String name;

  @Option(names = "--results-dir", paramLabel = "DIR", description = "Where the JSON goes (default <root>/load-tests/results).")
  Path resultsDir;

  @Option(names = "--charts-dir", paramLabel = "DIR", description = "Where the PNG charts go (default <root>/docs/benchmarks).")
  Path chartsDir;

  @Option(names = "--no-charts", description = "Skip the PNG charts.")
  boolean noCharts;

  @Option(names = "--no-trace", description = "Skip splitting latency into phases (reads the engine's topics after the run).")
  boolean noTrace;

  @Option(names = "--approval-secret", paramLabel = "SECRET", defaultValue = "${env:STEPSTREAM_APPROVAL_SECRET}",
      description = "approvals: the secret the engine checks decisions with and the auto-approver signs them with (default:"
          + " $STEPSTREAM_APPROVAL_SECRET, else the benchmark secret that load-tests/bench engine also defaults to).")
  String approvalSecret;

  @Option(names = "--think-ms", paramLabel = "MS", defaultValue = "0",
      description = "approvals: how long the auto-approver waits before answering a request (default ${DEFAULT-VALUE}).")
  long thinkMs;

  @Option(names = "--approver-threads", paramLabel = "N", defaultValue = "8",
      description = "approvals: threads of the auto-approver sending decisions, each waiting for acks=all (default ${DEFAULT-VALUE}).")
  int approverThreads;

  @Mixin EngineOptions engine = new EngineOptions();

  private final List<String> originalArgs;
  private BenchResult result;
  /** The approvals scenario's auto-approver (a child JVM), while it runs. */
  private volatile AutoApproverProcess approver;

  LoadGenerator(String... args) {
    this.originalArgs = List.of(args);
  }

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    int rc = new CommandLine(new LoadGenerator(args)).execute(args);
    System.exit(rc);
  }

  /** For tests and tools: parses {@code args}, runs, returns the result; exceptions propagate. */
  public static BenchResult run(String... args) throws Exception {
    LoadGenerator generator = new LoadGenerator(args);
    new CommandLine(generator).parseArgs(args);
    generator.call();
    return generator.result;
  }

  @Override
  public Integer call() throws Exception {
    Scenario scenario;
    try {
      scenario = Scenario.parse(pick(scenarioOpt, scenarioArg, "scenario"));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    Mode mode;
    try {
      mode = Mode.valueOf(pick(modeOpt, modeArg, "mode").trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), "unknown mode '" + pick(modeOpt, modeArg, "mode") + "'; one of latency, burst, rate, closed");
    }
    if (concurrency < 1 || (concurrency != 1 && mode != Mode.CLOSED)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--concurrency is for closed mode and must be >= 1");
    }
    if (processes != 1 && processes != 3) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--processes is 1 or 3");
    }
    int measured = measuredRuns(scenario, mode);
    int warm = warmup != null ? warmup
        : mode == Mode.CLOSED ? Math.max(200, 20 * concurrency)
        : mode != Mode.LATENCY ? 200 : scenario == Scenario.SLOW_STEPS ? 3 : scenario == Scenario.APPROVALS ? 50 : 200;
    String resultName = name != null ? name : scenario.id() + "-" + mode.name().toLowerCase(Locale.ROOT)
        + (mode == Mode.CLOSED ? "-c" + concurrency : "") + (processes == 3 && bootstrapServers == null ? "-3p" : "");
    Path root = Environment.projectRoot();
    Path resultsOut = resultsDir != null ? resultsDir : root.resolve("load-tests").resolve("results");
    // scratch runs (tmp-...) are left out of the report, so their charts stay out of docs/ too
    Path chartsOut = chartsDir != null ? chartsDir
        : resultName.startsWith("tmp-") ? resultsOut.resolve("tmp-charts") : root.resolve("docs").resolve("benchmarks");
    boolean external = bootstrapServers != null;
    boolean separate = !external && processes == 3;
    String prefix = topicPrefix != null ? topicPrefix : external ? "bench" : "bench-" + System.currentTimeMillis();
    String secret = approvalSecret != null && !approvalSecret.isBlank() ? approvalSecret : Scenario.BENCH_APPROVAL_SECRET;
    if (!scenario.needsApprover() && (thinkMs != 0 || approverThreads != 8)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--think-ms and --approver-threads are for the approvals scenario");
    }
    if (!external && commandConfig != null) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--command-config is for an external cluster (--bootstrap-servers)");
    }
    if (external && engine.anyGiven()) {
      System.err.println("warning: engine flags " + engine.given().keySet() + " are ignored with --bootstrap-servers: pass them to the engine (load-tests/bench engine)");
    }

    String startedAt = Instant.now().toString();
    String loadAverage = Environment.loadAverage();
    say("%s: %s, %d runs (+%d warm-up), %s", resultName, scenario.description(), measured, warm,
        external ? "engine at " + bootstrapServers + " prefix " + prefix : separate ? "broker, engine and generator in 3 JVMs" : "embedded broker + engine");
    try (Target target = external
        ? Target.external(bootstrapServers, prefix, kafkaProperties())
        : separate
        ? Target.separateProcesses(engine, prefix, scenario.needsApprover() ? secret : null,
            List.of(engineJvmOptions.trim().split("\\s+")))
        : Target.embedded(engine, scenario == Scenario.SLOW_STEPS ? Scenario.SLOW_STEPS_EXECUTOR_THREADS : 0, prefix,
            scenario.needsApprover() ? secret : null)) {
      Thread cleanup = new Thread(() -> {
        try {
          stopApprover();
        } finally {
          target.close();
        }
      }, "bench-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanup);
      try {
        runBenchmark(target, scenario, mode, measured, warm, resultName, root, resultsOut, chartsOut, external, prefix, startedAt, loadAverage, secret);
      } finally {
        stopApprover();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
    return 0;
  }

  /** The --command-config properties (empty without it). */
  private Map<String, String> kafkaProperties() {
    return commandConfig == null ? Map.of() : io.stepstream.client.KafkaProperties.load(commandConfig);
  }

  private void runBenchmark(Target target, Scenario scenario, Mode mode, int measured, int warm, String resultName, Path root,
      Path resultsOut, Path chartsOut, boolean external, String prefix, String startedAt, String loadAverage, String secret) throws Exception {
    Map<String, Object> effective = target.isEmbedded() ? EngineOptions.effective(target.engine()) : Map.of();
    if (target.isEmbedded()) {
      say("engine configuration: %s", effective);
    }
    if (scenario.needsApprover()) {
      approver = AutoApproverProcess.start(target.bootstrapServers(), commandConfig, prefix, secret, thinkMs, approverThreads, Duration.ofSeconds(90));
      say("auto-approver ready in its own JVM (pid %d) after %d ms", approver.pid(), approver.readyAfterMs());
    }
    String runTag = resultName + "-" + Long.toString(System.currentTimeMillis(), 36);

    long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupS);
    for (int round = 0; warm > 0 && (round == 0 || System.nanoTime() < warmupEnd); round++) {
      Tracker w = new Tracker(warm, scenario.expectedOutput());
      say("warm-up%s: %d runs", round == 0 ? "" : " round " + (round + 1), warm);
      drive(target.client(), scenario, mode == Mode.LATENCY || mode == Mode.CLOSED ? mode : Mode.BURST, w, runTag + "-w" + round, null, () -> {});
      if (w.completed.get() < warm) {
        say("warm-up: %d of %d completed (%s)", w.completed.get(), warm, w.errorKinds());
      }
    }

    Tracker t = new Tracker(measured, scenario.expectedOutput());
    EngineProbe probe = EngineProbe.of(target.engine(), target.client());
    Map<String, Double> before = probe.snapshot();
    long phaseStart = System.nanoTime();
    double machineCpu0 = Environment.machineBusyCpuSeconds();
    double processCpu0 = Environment.processCpuSeconds();
    Map<String, Long> threads0 = ThreadCpu.snapshot();
    double approverCpu0 = approver != null ? approver.cpuSeconds() : -1;
    Map<String, Double> childCpu0 = childCpu(target);
    // records written per run: only meaningful on a cluster of our own (the embedded or 3-process broker)
    Map<String, Long> offsets0 = external ? null : TopicRecords.endOffsets(target.bootstrapServers(), Map.of());
    AtomicInteger maxQueued = new AtomicInteger(-1);
    Double achievedRate = drive(target.client(), scenario, mode, t, runTag, rate, () -> maxQueued.accumulateAndGet(probe.queuedExecutions(), Math::max));
    double phaseS = (System.nanoTime() - phaseStart) / 1e9;
    double machineCpu = Environment.machineBusyCpuSeconds() - machineCpu0;
    double processCpu = Environment.processCpuSeconds() - processCpu0;
    Map<String, Double> cpuByComponent = ThreadCpu.byComponent(threads0, ThreadCpu.snapshot(), prefix);
    double approverCpu = approver != null && approverCpu0 >= 0 ? approver.cpuSeconds() - approverCpu0 : -1;
    Map<String, Object> approverInfo = null;
    if (approver != null) {
      // its work is done: stop it before reading the topics back, and keep what it says it did
      approverInfo = new LinkedHashMap<>();
      approverInfo.put("pid", approver.pid());
      approverInfo.put("readyAfterMs", approver.readyAfterMs());
      approverInfo.put("command", String.join(" ", approver.command()));
      if (approverCpu >= 0) {
        approverInfo.put("cpuSDuringMeasuredPhase", round(approverCpu, 2));
      }
      approverInfo.put("summary", approver.stop());
      approver = null;
    }
    Map<String, Object> diagnostics = new LinkedHashMap<>();
    diagnostics.put("loadAverageAtStart", loadAverage);
    diagnostics.put("measuredPhaseS", round(phaseS, 3));
    diagnostics.put("maxQueuedExecutions", maxQueued.get());
    if (machineCpu0 >= 0 && processCpu0 >= 0) {
      // this JVM (generator + embedded broker + engine) versus everything else on the machine
      diagnostics.put("cpuCores", Runtime.getRuntime().availableProcessors());
      diagnostics.put("machineCpuS", round(machineCpu, 2));
      diagnostics.put("thisProcessCpuS", round(processCpu, 2));
      diagnostics.put("otherProcessesCpuS", round(Math.max(0, machineCpu - processCpu), 2));
    }
    if (!cpuByComponent.isEmpty()) {
      diagnostics.put("thisProcessCpuSByComponent", cpuByComponent);
    }
    if (approverInfo != null) {
      diagnostics.put("autoApprover", approverInfo);
    }
    if (!target.children().isEmpty()) {
      // the broker's and the engine's own JVMs (this process is the generator alone)
      Map<String, Double> childCpu = new LinkedHashMap<>();
      childCpu(target).forEach((k, v) -> childCpu.put(k, round(v - childCpu0.getOrDefault(k, 0.0), 2)));
      diagnostics.put("processCpuSDuringMeasuredPhase", childCpu);
      diagnostics.put("processes", target.children().stream().map(ChildJvm::toString).toList());
    }
    diagnostics.put("countersDuringMeasuredPhase", EngineProbe.delta(before, probe.snapshot()));
    if (offsets0 != null) {
      // every topic, internal ones included; transaction markers take an offset each (read before the trace, which writes nothing)
      diagnostics.put("offsetsPerRunByTopic", TopicRecords.perRun(offsets0, TopicRecords.endOffsets(target.bootstrapServers(), Map.of()), t.size));
    }
    diagnostics.put("recentAverages", probe.recentAverages());
    if (!noTrace) {
      long[] doneMs = new long[t.size];
      for (int i = 0; i < t.size; i++) {
        doneMs[i] = t.state.get(i) == Tracker.COMPLETED || t.state.get(i) == Tracker.FAILED ? t.doneAtWallMs.get(i) : 0;
      }
      try {
        // reads requests, step-outcomes and events: on a secured cluster the principal needs READ on all three (or --no-trace)
        diagnostics.put("phasesMs", PhaseTrace.trace(target.bootstrapServers(), kafkaProperties(), Topics.withPrefix(prefix), runTag, doneMs));
      } catch (RuntimeException e) {
        say("could not split latency into phases: %s", e);
      }
    }
    String metrics = target.isEmbedded() ? target.engine().metricsSummary() : null;

    result = summarize(resultName, scenario, mode, t, startedAt, root, external, effective, warm, prefix, achievedRate, metrics, diagnostics);
    List<String> charts = new ArrayList<>();
    if (!noCharts) {
      charts.addAll(writeCharts(result, chartsOut, root));
    }
    result = withCharts(result, charts);
    Path json = resultsOut.resolve(resultName + ".json");
    result.write(json);
    System.out.println(summaryLine(result));
    for (String line : Report.approvalLines(result)) {
      say("%s", line);
    }
    say("wrote %s%s", root.relativize(json.toAbsolutePath()).toString().startsWith("..") ? json : root.relativize(json.toAbsolutePath()),
        charts.isEmpty() ? "" : " and " + String.join(", ", charts));
  }

  /** CPU seconds so far of each child JVM of a separate-process target, by name. */
  private static Map<String, Double> childCpu(Target target) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (ChildJvm c : target.children()) {
      m.put(c.toString().substring(0, c.toString().indexOf(' ')), c.cpuSeconds());
    }
    return m;
  }

  private void stopApprover() {
    AutoApproverProcess a = approver;
    approver = null;
    if (a != null) {
      a.close();
    }
  }

  /** Throws if a helper the runs depend on (the auto-approver) has died: waiting longer would only time out. */
  private void checkHelpers() {
    AutoApproverProcess a = approver;
    String failure = a == null ? null : a.failure();
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }

  /** Waits for run {@code i}'s result until {@code deadlineNanos}; marks it timed out after that. */
  private void awaitOne(Tracker t, int i, RunHandle h, long deadlineNanos) throws InterruptedException {
    while (true) {
      try {
        h.result().get(Math.max(1, Math.min(TimeUnit.MILLISECONDS.toNanos(250), deadlineNanos - System.nanoTime())), TimeUnit.NANOSECONDS);
        return;
      } catch (TimeoutException e) {
        checkHelpers();
        if (System.nanoTime() >= deadlineNanos) {
          t.timeOut(i);
          return;
        }
      } catch (ExecutionException e) {
        return; // recorded by the tracker's callback
      }
    }
  }

  /** {@link Tracker#awaitAll}, checking the helpers every 250 ms. */
  private void awaitAll(Tracker t, long deadlineNanos) throws InterruptedException {
    while (!t.awaitAll(Math.min(deadlineNanos, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250)))) {
      checkHelpers();
      if (System.nanoTime() >= deadlineNanos) {
        return;
      }
    }
  }

  private int measuredRuns(Scenario scenario, Mode mode) {
    if (mode == Mode.RATE) {
      if (rate == null || durationS == null || rate <= 0 || durationS <= 0) {
        throw new CommandLine.ParameterException(new CommandLine(this), "rate mode needs --rate R and --duration S (both > 0)");
      }
      if (runs != null) {
        throw new CommandLine.ParameterException(new CommandLine(this), "rate mode sends --rate x --duration runs; drop --runs");
      }
      return (int) Math.round(rate * durationS);
    }
    if (rate != null || durationS != null) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--rate and --duration are for --mode rate");
    }
    if (runs != null) {
      if (runs <= 0) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--runs must be > 0");
      }
      return runs;
    }
    if (scenario == Scenario.APPROVALS) {
      return mode == Mode.LATENCY ? 300 : 2000;
    }
    if (mode == Mode.CLOSED) {
      return Math.max(1000, 100 * concurrency);
    }
    return mode == Mode.LATENCY ? 1000 : scenario == Scenario.SLOW_STEPS ? 1000 : 10_000;
  }

  private String pick(String option, String positional, String what) {
    if (option != null && positional != null && !option.equals(positional)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "give the " + what + " once (" + positional + " or --" + what + " " + option + ")");
    }
    String v = option != null ? option : positional;
    if (v == null) {
      throw new CommandLine.ParameterException(new CommandLine(this), "missing " + what
          + ("scenario".equals(what) ? " (" + Scenario.ids() + ")" : " (latency, burst, rate)"));
    }
    return v;
  }

  /** Runs one batch; returns the achieved send rate for rate mode. */
  private Double drive(WorkflowClient client, Scenario scenario, Mode mode, Tracker t, String runTag, Double targetRate, Runnable sampler)
      throws InterruptedException {
    String type = scenario.workflowType();
    AtomicReference<String> phase = new AtomicReference<>("sending");
    long begin = System.nanoTime();
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread th = new Thread(r, "bench-progress");
      th.setDaemon(true);
      return th;
    });
    progress.scheduleAtFixedRate(() -> say("  %5.1f s: %s, sent %d/%d, results %d (%d errors)",
        (System.nanoTime() - begin) / 1e9, phase.get(), t.sent.get(), t.size, t.finished.get(), t.finished.get() - t.completed.get()),
        5, 5, TimeUnit.SECONDS);
    progress.scheduleAtFixedRate(sampler, 0, 100, TimeUnit.MILLISECONDS);
    try {
      switch (mode) {
        case LATENCY -> {
          for (int i = 0; i < t.size; i++) {
            RunHandle h = start(client, type, runTag, t, i, true);
            if (h != null) {
              awaitOne(t, i, h, System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS));
            }
          }
          phase.set("waiting");
          awaitAll(t, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
          return null;
        }
        case BURST -> {
          for (int i = 0; i < t.size; i++) {
            start(client, type, runTag, t, i, false);
          }
          client.flush();
          phase.set("all sent, waiting");
          awaitAll(t, System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS));
          return null;
        }
        case RATE -> {
          long interval = (long) (1e9 / targetRate);
          long t0 = System.nanoTime();
          for (int i = 0; i < t.size; i++) {
            long due = t0 + i * interval;
            long now;
            while ((now = System.nanoTime()) < due) {
              LockSupport.parkNanos(due - now);
            }
            start(client, type, runTag, t, i, false);
          }
          client.flush();
          long span = t.sentAt.get(t.size - 1) - t.sentAt.get(0);
          phase.set("all sent, waiting");
          awaitAll(t, System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS));
          return t.size > 1 && span > 0 ? (t.size - 1) / (span / 1e9) : null;
        }
        case CLOSED -> {
          // the same driver load-tests/peers/ measures Restate and DBOS with
          io.stepstream.closedloop.ClosedLoop.run(i -> {
            RunHandle h = start(client, type, runTag, t, (int) i, false);
            if (h == null) {
              throw new IllegalStateException("run " + i + " could not be sent"); // recorded by the tracker
            }
            return h.result();
          }, concurrency, t.size, Duration.ofSeconds(timeoutS));
          phase.set("waiting");
          awaitAll(t, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
          return null;
        }
        default -> throw new IllegalStateException(mode.toString());
      }
    } finally {
      t.timeOutAllPending();
      progress.shutdownNow();
    }
  }

  /** Sends run {@code i}; {@code sync} flushes (the producer waits for acks=all) like {@link WorkflowClient#start}. */
  private static RunHandle start(WorkflowClient client, String type, String runTag, Tracker t, int i, boolean sync) {
    String runId = runTag + "-" + i;
    t.sending(i);
    try {
      RunHandle h = client.startAsync(type, runId, runId);
      if (sync) {
        client.flush();
      }
      t.sent(i, h.result());
      return h;
    } catch (RuntimeException e) {
      t.sendFailed(i, e);
      return null;
    }
  }

  private BenchResult summarize(String resultName, Scenario scenario, Mode mode, Tracker t, String startedAt, Path root,
      boolean external, Map<String, Object> effective, int warm, String prefix, Double achievedRate, String metrics,
      Map<String, Object> diagnostics) {
    long first = Long.MAX_VALUE;
    long lastSent = Long.MIN_VALUE;
    long lastDone = Long.MIN_VALUE;
    double maxLagMs = 0;
    long interval = mode == Mode.RATE ? (long) (1e9 / rate) : 0;
    for (int i = 0; i < t.size; i++) {
      long s = t.sentAt.get(i);
      first = Math.min(first, s);
      lastSent = Math.max(lastSent, s);
      if (t.state.get(i) == Tracker.COMPLETED) {
        lastDone = Math.max(lastDone, t.doneAt.get(i));
      }
    }
    if (mode == Mode.RATE) {
      for (int i = 0; i < t.size; i++) {
        maxLagMs = Math.max(maxLagMs, (t.sentAt.get(i) - (first + i * interval)) / 1e6);
      }
    }
    long completed = t.count(Tracker.COMPLETED);
    double elapsedS = lastDone > first ? (lastDone - first) / 1e9 : 0;
    var throughput = new BenchResult.Throughput(
        round(elapsedS, 3),
        elapsedS > 0 ? round(completed / elapsedS, 1) : 0,
        elapsedS > 0 ? round(completed * scenario.stepsPerRun() / elapsedS, 1) : 0,
        achievedRate == null ? null : round(achievedRate, 1),
        mode == Mode.RATE ? round(maxLagMs, 3) : null);

    Histogram h = t.latencyMicros.copy();
    var latency = h.getTotalCount() == 0
        ? new BenchResult.Latency(0, 0, 0, 0, 0, 0, 0, 0)
        : new BenchResult.Latency(h.getTotalCount(), ms(h.getMinValue()), round(h.getMean() / 1000.0, 3),
            ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
            ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    List<BenchResult.Percentile> percentiles = new ArrayList<>();
    if (h.getTotalCount() > 0) {
      for (HistogramIterationValue v : h.percentiles(5)) {
        percentiles.add(new BenchResult.Percentile(v.getPercentileLevelIteratedTo(), ms(v.getValueIteratedTo())));
      }
    }

    List<BenchResult.Bucket> timeline = new ArrayList<>();
    long end = Math.max(lastSent, maxDone(t));
    int seconds = first == Long.MAX_VALUE ? 0 : (int) ((end - first) / 1_000_000_000L) + 1;
    long[] sentPer = new long[seconds];
    long[] donePer = new long[seconds];
    for (int i = 0; i < t.size; i++) {
      sentPer[(int) ((t.sentAt.get(i) - first) / 1_000_000_000L)]++;
      if (t.state.get(i) == Tracker.COMPLETED) {
        donePer[(int) ((t.doneAt.get(i) - first) / 1_000_000_000L)]++;
      }
    }
    for (int s = 0; s < seconds; s++) {
      timeline.add(new BenchResult.Bucket(s, sentPer[s], donePer[s]));
    }

    var counts = new BenchResult.Counts(t.size, completed, t.size - completed, t.count(Tracker.FAILED),
        t.count(Tracker.SEND_ERROR), t.count(Tracker.TIMEOUT), t.errorKinds());
    var load = new BenchResult.Load(t.size, warm, warmupS, mode == Mode.RATE ? rate : null, mode == Mode.RATE ? durationS : null, timeoutS, prefix,
        mode == Mode.CLOSED ? concurrency : null);
    return new BenchResult(resultName, scenario.id(), mode.name().toLowerCase(Locale.ROOT), scenario.stepsPerRun(),
        commandLine(), originalArgs, startedAt, Environment.git(root), Environment.machine(),
        external ? "external" : target3p(), external ? Map.of() : engine.given(), effective,
        load, counts, latency, throughput, percentiles, timeline, metrics, diagnostics, List.of());
  }

  /** How the measured system ran: "embedded" (one JVM) or "3-process". */
  private String target3p() {
    return processes == 3 ? "3-process" : "embedded";
  }

  private static long maxDone(Tracker t) {
    long m = Long.MIN_VALUE;
    for (int i = 0; i < t.size; i++) {
      int s = t.state.get(i);
      if (s == Tracker.COMPLETED || s == Tracker.FAILED || s == Tracker.SEND_ERROR) {
        m = Math.max(m, t.doneAt.get(i));
      }
    }
    return m;
  }

  private List<String> writeCharts(BenchResult r, Path dir, Path root) throws java.io.IOException {
    List<String> written = new ArrayList<>();
    if (!r.percentiles().isEmpty()) {
      Path latency = dir.resolve(r.name() + "-latency.png");
      Map<String, List<BenchResult.Percentile>> series = new LinkedHashMap<>();
      series.put(r.name(), r.percentiles());
      Charts.latencyDistribution(latency, r.name() + ": end-to-end latency by percentile (" + r.latencyMs().count() + " runs)", series);
      written.add(display(root, latency));
    }
    if (!"latency".equals(r.mode()) && !r.timeline().isEmpty()) {
      Path tput = dir.resolve(r.name() + "-throughput.png");
      Charts.throughputOverTime(tput, r.name() + ": results per second (" + r.throughput().runsPerS() + " runs/s overall)",
          r.timeline(), true);
      written.add(display(root, tput));
    }
    return written;
  }

  /** Root-relative when under the root (as the report links them), else absolute. */
  private static String display(Path root, Path file) {
    Path abs = file.toAbsolutePath().normalize();
    return abs.startsWith(root) ? root.relativize(abs).toString() : abs.toString();
  }

  private static BenchResult withCharts(BenchResult r, List<String> charts) {
    return new BenchResult(r.name(), r.scenario(), r.mode(), r.stepsPerRun(), r.command(), r.args(), r.startedAt(), r.git(),
        r.machine(), r.target(), r.engineFlags(), r.engineEffective(), r.load(), r.counts(), r.latencyMs(), r.throughput(),
        r.percentiles(), r.timeline(), r.engineMetrics(), r.diagnostics(), charts);
  }

  /** The command that reproduces this run, with the environment load-tests/bench passed on. */
  private String commandLine() {
    StringBuilder env = new StringBuilder();
    String ref = System.getProperty("stepstream.engineRef");
    if (ref != null && !ref.isBlank() && "0".equals(System.getProperty("stepstream.engineDirty", "0").trim())) {
      // reproducible from the commit, whether it came from BENCH_ENGINE_REF or the working tree's HEAD
      env.append("BENCH_ENGINE_REF=").append(shellQuote(ref)).append(' ');
    }
    String javaOpts = System.getProperty("stepstream.javaOpts");
    if (javaOpts != null && !javaOpts.isBlank()) {
      env.append("BENCH_JAVA_OPTS=").append(shellQuote(javaOpts)).append(' ');
    }
    return env + "load-tests/bench " + originalArgs.stream().map(LoadGenerator::shellQuote).collect(Collectors.joining(" "));
  }

  static String shellQuote(String s) {
    return s.matches("[A-Za-z0-9_./:=,@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }

  static String summaryLine(BenchResult r) {
    var l = r.latencyMs();
    var c = r.counts();
    var t = r.throughput();
    return String.format(Locale.ROOT,
        "%s: %d runs, %d completed, %d errors | latency ms p50 %.1f  p90 %.1f  p99 %.1f  max %.1f | %.1f runs/s, %.1f steps/s over %.1f s",
        r.name(), c.runs(), c.completed(), c.errors(), l.p50(), l.p90(), l.p99(), l.max(), t.runsPerS(), t.stepsPerS(), t.elapsedS());
  }

  private static double ms(long micros) {
    return round(micros / 1000.0, 3);
  }

  static double round(double v, int decimals) {
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }

  static void say(String format, Object... args) {
    System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
  }
}
