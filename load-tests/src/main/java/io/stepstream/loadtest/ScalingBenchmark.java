package io.stepstream.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.stepstream.client.WorkflowClient;
import io.stepstream.closedloop.ClosedLoop;
import io.stepstream.closedloop.ClosedLoopResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scaling out, measured: a 3-broker KRaft cluster (RF 3, min ISR 2; {@link LocalKafkaCluster}) in
 * three child JVMs, then 1, 2, 3 ... engine instances ({@link BenchEngine} child JVMs, one topic
 * prefix) added one at a time, each count driven with noop-3 by a closed-loop client in this JVM
 * ({@link ClosedLoop}: C clients, each starting a run when its previous one finished) after a
 * warm-up. Per instance count: runs/s, latency, transactions committed per second, records and bytes
 * written per run per topic, CPU seconds per run of every process, and the load average.
 *
 * <pre>
 * load-tests/bench scaling --instances 1,2,3 --concurrency 256 --runs 20000 --partitions 6
 * </pre>
 *
 * Every process shares the machine's cores: the CPU seconds per run are what docs/scaling.md
 * extrapolates from, not the runs/s.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 120,
    description = "1..N engine instances on a local 3-broker cluster, closed-loop noop-3 load: runs/s, commits/s, records, bytes and CPU per run.")
public final class ScalingBenchmark implements Callable<Integer> {
  @Option(names = "--instances", defaultValue = "1,2,3", split = ",", description = "engine counts to measure, ascending (default ${DEFAULT-VALUE})")
  List<Integer> instances;

  @Option(names = "--concurrency", defaultValue = "256", description = "closed-loop clients (default ${DEFAULT-VALUE})")
  int concurrency;

  @Option(names = "--runs", defaultValue = "20000", description = "measured runs per instance count (default ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--warmup-s", defaultValue = "30", description = "closed-loop load before each measured phase, unmeasured (default ${DEFAULT-VALUE})")
  int warmupSeconds;

  @Option(names = "--partitions", defaultValue = "6", description = "partitions of the engine's topics (default ${DEFAULT-VALUE})")
  int partitions;

  @Option(names = "--stream-threads", description = "Kafka Streams threads per engine (engine default if omitted)")
  Integer streamThreads;

  @Option(names = "--engine-java-opts", defaultValue = "-Xmx1g", description = "JVM options of each engine (default ${DEFAULT-VALUE})")
  String engineJavaOpts;

  @Option(names = "--broker-java-opts", defaultValue = "-Xmx1g", description = "JVM options of each broker (default ${DEFAULT-VALUE})")
  String brokerJavaOpts;

  @Option(names = "--acceptable-recovery-lag", defaultValue = "9223372036854775807",
      description = "Kafka Streams acceptable.recovery.lag of the engines (default: no limit, so an added instance takes active tasks at once"
          + " and restores them; Kafka's default 10000 leaves them on the old instances until a probing rebalance, 10 min later)")
  long acceptableRecoveryLag;

  @Option(names = "--name", defaultValue = "scaling", description = "result file load-tests/results/NAME.json (default ${DEFAULT-VALUE})")
  String name;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ScalingBenchmark()).execute(args));
  }

  private static final long IDLE_WINDOW_MS = 10_000;

  /** One started engine child JVM. */
  private record Engine(int number, Process process, Path log, long startedAtMs) {}

  @Override
  public Integer call() throws Exception {
    for (int i = 1; i < instances.size(); i++) {
      if (instances.get(i) <= instances.get(i - 1)) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--instances must be ascending: instances are added, never removed");
      }
    }
    // Ctrl-C / SIGTERM skips the finally blocks below: take the broker and engine JVMs down with us
    Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().children().forEach(ProcessHandle::destroyForcibly),
        "scaling-children-cleanup"));
    Path dir = Files.createTempDirectory("stepstream-scaling");
    String prefix = "scaling-" + System.currentTimeMillis();
    List<Engine> engines = new ArrayList<>();
    List<Map<String, Object>> phases = new ArrayList<>();
    System.out.println("[scaling] starting 3 brokers in " + dir + ", load average " + ClusterCounters.loadAverage());
    try (LocalKafkaCluster cluster = LocalKafkaCluster.start(dir.resolve("kafka"), brokerJavaOpts); Admin admin = cluster.admin()) {
      String bootstrap = cluster.bootstrapServers();
      WorkflowClient client = null;
      try {
        for (int n : instances) {
          while (engines.size() < n) {
            engines.add(startEngine(bootstrap, prefix, dir, engines.size() + 1));
          }
          long balancedMs = awaitTasksOnEvery(engines, Duration.ofSeconds(180));
          if (client == null) {
            client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix(prefix).build();
          }
          phases.add(measure(n, client, cluster, admin, engines, prefix, balancedMs));
        }
      } finally {
        if (client != null) {
          client.close();
        }
        for (Engine e : engines) {
          e.process().destroy();
        }
        for (Engine e : engines) {
          if (!e.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            e.process().destroyForcibly().waitFor();
          }
        }
      }
    } finally {
      Target.deleteRecursively(dir);
    }
    printTable(phases);
    Path out = Path.of("load-tests/results", name + ".json");
    Files.createDirectories(out.getParent());
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("benchmark", "scaling");
    doc.put("at", Instant.now().toString());
    doc.put("commit", Environment.git(Path.of(".")).describe());
    doc.put("machine", Environment.machine().oneLine());
    doc.put("options", Map.of("instances", instances, "concurrency", concurrency, "runs", runs, "warmupS", warmupSeconds,
        "partitions", partitions, "streamThreads", streamThreads == null ? "engine default" : streamThreads,
        "engineJavaOpts", engineJavaOpts, "brokerJavaOpts", brokerJavaOpts, "acceptableRecoveryLag", acceptableRecoveryLag));
    doc.put("phases", phases);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), doc);
    System.out.println("[scaling] wrote " + out);
    return phases.stream().allMatch(p -> ((Number) p.get("errors")).longValue() == 0) ? 0 : 1;
  }

  private Engine startEngine(String bootstrap, String prefix, Path dir, int number) throws Exception {
    List<String> args = new ArrayList<>(List.of(
        "--bootstrap-servers", bootstrap, "--topic-prefix", prefix, "--state-dir", dir.resolve("engine-" + number).toString(),
        "--partitions", String.valueOf(partitions), "--metrics-every-ms", "500", "--instance-name", "engine-" + number,
        "--streams-config", "acceptable.recovery.lag=" + acceptableRecoveryLag));
    if (streamThreads != null) {
      args.addAll(List.of("--stream-threads", String.valueOf(streamThreads)));
    }
    long started = System.currentTimeMillis();
    ChildJvm child = ChildJvm.start("engine-" + number, dir, List.of(engineJavaOpts.trim().split("\\s+")), BenchEngine.class, args);
    child.awaitLine("BENCH_ENGINE_READY", Duration.ofSeconds(180));
    System.out.println("[scaling] engine-" + number + " (pid " + child.pid() + ") ready after " + (System.currentTimeMillis() - started) + " ms");
    return new Engine(number, child.process(), child.log(), started);
  }

  /** Until every engine reports active tasks; returns ms since the newest engine was started. */
  private static long awaitTasksOnEvery(List<Engine> engines, Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    Engine newest = engines.get(engines.size() - 1);
    while (true) {
      boolean all = true;
      for (Engine e : engines) {
        if (!e.process().isAlive()) {
          throw new IllegalStateException("engine-" + e.number() + " exited; log " + e.log());
        }
        all &= EngineMetricsLine.lastIn(e.log()).getOrDefault("activeTasks", -1L) > 0;
      }
      if (all) {
        long ms = System.currentTimeMillis() - newest.startedAtMs();
        System.out.println("[scaling] every engine has active tasks " + ms + " ms after engine-" + newest.number() + " was started");
        return ms;
      }
      if (System.currentTimeMillis() > deadline) {
        System.out.println("[scaling] not every engine has active tasks after " + timeout + ": measuring anyway");
        return -1;
      }
      Thread.sleep(250);
    }
  }

  private Map<String, Object> measure(int n, WorkflowClient client, LocalKafkaCluster cluster, Admin admin, List<Engine> engines,
      String prefix, long balancedMs) throws Exception {
    String workflow = Scenario.NOOP_3.workflowType();
    long warmEnd = System.currentTimeMillis() + warmupSeconds * 1000L;
    int batch = 0;
    while (System.currentTimeMillis() < warmEnd) {
      int b = batch++;
      // small batches (each client runs 4), so a slow machine does not stretch the warm-up far past --warmup-s
      ClosedLoop.run(i -> client.startAsync(workflow, "w" + n + "-" + b + "-" + i, "x").result(), concurrency, concurrency * 4L,
          Duration.ofSeconds(60));
    }
    Thread.sleep(1500); // the engines' metric lines (every 500 ms) show the warm-up's end
    Map<String, Object> phase = new LinkedHashMap<>();
    phase.put("instances", n);
    phase.put("msUntilEveryEngineHadTasks", balancedMs);
    phase.put("loadAverageBefore", ClusterCounters.loadAverage());

    List<Long> pids = new ArrayList<>(cluster.brokerPids());
    engines.forEach(e -> pids.add(e.process().pid()));
    long self = ProcessHandle.current().pid();
    // idle baseline: what the processes burn with no runs (polls, heartbeats, replica fetches), so the
    // per-run cost can be given without it; at a few runs per second it is most of the CPU
    double[] idleBefore = cpu(pids, self);
    long idleStart = System.nanoTime();
    Thread.sleep(IDLE_WINDOW_MS);
    double idleS = (System.nanoTime() - idleStart) / 1e9;
    double[] cpuBefore = cpu(pids, self);
    List<Map<String, Long>> metricsBefore = new ArrayList<>();
    for (Engine e : engines) {
      metricsBefore.add(EngineMetricsLine.lastIn(e.log()));
    }
    Map<String, long[]> topicsBefore = ClusterCounters.topics(admin);

    ClosedLoopResult r = ClosedLoop.run(i -> client.startAsync(workflow, "s" + n + "-" + i, "x").result(), concurrency, runs,
        Duration.ofSeconds(60));

    Thread.sleep(1500);
    double[] cpuAfter = cpu(pids, self);
    Map<String, long[]> topics = ClusterCounters.delta(topicsBefore, ClusterCounters.topics(admin));
    phase.put("loadAverageAfter", ClusterCounters.loadAverage());
    long completed = Math.max(1, r.completed());
    phase.put("completed", r.completed());
    phase.put("errors", r.errors());
    phase.put("elapsedS", round(r.elapsedS()));
    phase.put("runsPerS", round(r.runsPerS()));
    phase.put("p50Ms", round(r.percentileMs(50)));
    phase.put("p99Ms", round(r.percentileMs(99)));

    long commits = 0;
    List<Map<String, Object>> perEngine = new ArrayList<>();
    for (int i = 0; i < engines.size(); i++) {
      Map<String, Long> after = EngineMetricsLine.lastIn(engines.get(i).log());
      Map<String, Long> before = metricsBefore.get(i);
      long c = after.getOrDefault("commits", 0L) - before.getOrDefault("commits", 0L);
      commits += c;
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("engine", engines.get(i).number());
      e.put("activeTasks", after.getOrDefault("activeTasks", -1L));
      e.put("commits", c);
      e.put("commitsPerS", round(c / r.elapsedS()));
      e.put("outcomesSent", after.getOrDefault("outcomesSent", 0L) - before.getOrDefault("outcomesSent", 0L));
      e.put("streamsRecordsSent", after.getOrDefault("streamsRecordsSent", 0L) - before.getOrDefault("streamsRecordsSent", 0L));
      e.put("txnCommitMsPerCommit", c == 0 ? 0 : round((after.getOrDefault("txnCommitNs", 0L) - before.getOrDefault("txnCommitNs", 0L)) / 1e6 / c));
      perEngine.add(e);
    }
    phase.put("commitsPerS", round(commits / r.elapsedS()));
    phase.put("runsPerCommit", commits == 0 ? 0 : round((double) r.completed() / commits));
    phase.put("engines", perEngine);

    // CPU: brokers, then engines, then this JVM (client); per run and as a share of the machine
    Map<String, Object> cpu = new LinkedHashMap<>();
    double brokerS = 0;
    double engineS = 0;
    double brokerIdleCores = 0;
    double engineIdleCores = 0;
    for (int i = 0; i < pids.size(); i++) {
      double s = cpuAfter[i] - cpuBefore[i];
      double idleCores = (cpuBefore[i] - idleBefore[i]) / idleS;
      String who = i < LocalKafkaCluster.NODES ? "broker-" + (i + 1) : "engine-" + engines.get(i - LocalKafkaCluster.NODES).number();
      cpu.put(who + "CpuMsPerRun", round(s * 1000 / completed));
      cpu.put(who + "IdleCores", round3(idleCores));
      if (i < LocalKafkaCluster.NODES) {
        brokerS += s;
        brokerIdleCores += idleCores;
      } else {
        engineS += s;
        engineIdleCores += idleCores;
      }
    }
    double clientS = cpuAfter[pids.size()] - cpuBefore[pids.size()];
    // the same less the idle baseline over the measured phase: the marginal cost of a run
    cpu.put("brokersIdleCores", round3(brokerIdleCores));
    cpu.put("enginesIdleCores", round3(engineIdleCores));
    cpu.put("brokersCpuMsPerRunAboveIdle", round(Math.max(0, brokerS - brokerIdleCores * r.elapsedS()) * 1000 / completed));
    cpu.put("enginesCpuMsPerRunAboveIdle", round(Math.max(0, engineS - engineIdleCores * r.elapsedS()) * 1000 / completed));
    cpu.put("clientCpuMsPerRun", round(clientS * 1000 / completed));
    cpu.put("brokersCpuMsPerRun", round(brokerS * 1000 / completed));
    cpu.put("enginesCpuMsPerRun", round(engineS * 1000 / completed));
    cpu.put("coresBusy", round((brokerS + engineS + clientS) / r.elapsedS()));
    cpu.put("machineCores", Runtime.getRuntime().availableProcessors());
    phase.put("cpu", cpu);

    Map<String, Object> perTopic = new LinkedHashMap<>();
    long records = 0;
    long bytes = 0;
    for (Map.Entry<String, long[]> t : topics.entrySet()) {
      if (t.getValue()[0] == 0 && t.getValue()[1] == 0) {
        continue;
      }
      records += t.getValue()[0];
      bytes += t.getValue()[1];
      perTopic.put(t.getKey().replace(prefix, "<p>"),
          Map.of("recordsPerRun", round((double) t.getValue()[0] / completed), "bytesPerRunAllReplicas", round((double) t.getValue()[1] / completed)));
    }
    phase.put("recordsPerRun", round((double) records / completed));
    phase.put("bytesPerRunAllReplicas", round((double) bytes / completed));
    phase.put("topics", perTopic);
    System.out.println(r.summaryLine("[scaling] " + n + " engine(s) noop-3"));
    System.out.println("[scaling] " + new ObjectMapper().writeValueAsString(phase));
    return phase;
  }

  private static double[] cpu(List<Long> pids, long self) {
    double[] s = new double[pids.size() + 1];
    for (int i = 0; i < pids.size(); i++) {
      s[i] = ClusterCounters.cpuSeconds(pids.get(i));
    }
    s[pids.size()] = ClusterCounters.cpuSeconds(self);
    return s;
  }

  private void printTable(List<Map<String, Object>> phases) {
    System.out.println();
    System.out.println("| engines | runs/s | p50 / p99 ms | commits/s | runs per commit | records / run | bytes / run (3 replicas) | CPU ms/run brokers / engines / client | the same above idle, brokers / engines | cores busy | load avg before / after |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    for (Map<String, Object> p : phases) {
      @SuppressWarnings("unchecked")
      Map<String, Object> cpu = (Map<String, Object>) p.get("cpu");
      System.out.println(String.format(Locale.ROOT, "| %s | %s | %s / %s | %s | %s | %s | %s | %s / %s / %s | %s / %s | %s | %s / %s |",
          p.get("instances"), p.get("runsPerS"), p.get("p50Ms"), p.get("p99Ms"), p.get("commitsPerS"), p.get("runsPerCommit"),
          p.get("recordsPerRun"), p.get("bytesPerRunAllReplicas"), cpu.get("brokersCpuMsPerRun"), cpu.get("enginesCpuMsPerRun"),
          cpu.get("clientCpuMsPerRun"), cpu.get("brokersCpuMsPerRunAboveIdle"), cpu.get("enginesCpuMsPerRunAboveIdle"), cpu.get("coresBusy"),
          p.get("loadAverageBefore"), p.get("loadAverageAfter")));
    }
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
