package io.stepstream.loadtest;

import io.stepstream.engine.Stepstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * An engine instance with every benchmark scenario registered, for benchmarks against an external
 * cluster: run one (or several, same --topic-prefix) of these, then the generator with
 * {@code --bootstrap-servers}. Runs until SIGTERM / Ctrl-C.
 *
 * <pre>
 * load-tests/bench engine --bootstrap-servers 127.0.0.1:9092 [--command-config client.properties] [--topic-prefix bench] [--commit-interval-ms 10 ...]
 * </pre>
 */
@Command(
    name = "load-tests/bench engine",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 120,
    description = "Runs a Stepstream engine instance with the benchmark workflows (noop-3, noop-10, slow-steps, approvals) until stopped.")
public final class BenchEngine implements Callable<Integer> {
  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT", description = "The Kafka cluster.")
  String bootstrapServers;

  @Option(names = "--command-config", paramLabel = "FILE",
      description = "Kafka client properties (security.protocol, sasl.*, ssl.*) for every client of the engine, as for Kafka's own tools;"
          + " its principal needs the engine role's ACLs (docs/security.md).")
  Path commandConfig;

  @Option(names = "--topic-prefix", defaultValue = "bench", paramLabel = "PREFIX", description = "Topic prefix (default ${DEFAULT-VALUE}); the generator must use the same.")
  String topicPrefix;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "Kafka Streams state (default: a fresh temp directory, deleted on exit).")
  Path stateDir;

  @Option(names = "--approval-secret", paramLabel = "SECRET", defaultValue = "${env:STEPSTREAM_APPROVAL_SECRET}",
      description = "Approval token secret; every instance and the approvals scenario's auto-approver must use the same"
          + " (default: $STEPSTREAM_APPROVAL_SECRET, else the benchmark secret the generator also defaults to).")
  String approvalSecret;

  @Option(names = "--retention-s", paramLabel = "SECONDS",
      description = "Stepstream.Builder.retention: finished runs leave the stores this long after they end (default: the results topic's retention.ms).")
  Long retentionSeconds;

  @Option(names = "--soak-stats-every-s", paramLabel = "SECONDS",
      description = "Every this many seconds print a SOAK_STATS line: heap after GC (System.gc(), MemoryMXBean), state dir on disk (du),"
          + " stored runs and expired runs (the soak benchmark reads them). Off by default.")
  Integer soakStatsEverySeconds;

  @Option(names = "--limiter-rps", paramLabel = "N",
      description = "Declare limiter '" + LimiterBenchmark.LIMITER + "' at N requests per second and register workflow '"
          + LimiterBenchmark.WORKFLOW + "' (one step through it that returns when it started and on which instance). Off by default.")
  Double limiterRps;

  @Option(names = "--metrics-every-ms", paramLabel = "MS",
      description = "Every this many milliseconds print an ENGINE_METRICS line: cumulative transaction commits of the"
          + " stream threads, records they sent, step outcomes published, and the active tasks now (the scaling benchmark reads them). Off by default.")
  Integer metricsEveryMs;

  @Option(names = "--instance-name", defaultValue = "engine", paramLabel = "NAME", description = "What the limiter workflow says ran it.")
  String instanceName;

  @Option(names = "--task-queue", paramLabel = "QUEUE",
      description = "Declare task queue QUEUE and register workflow '" + RemoteTasksBenchmark.WORKFLOW + "' (one remote task on it; RemoteTasksBenchmark).")
  String taskQueue;

  @Mixin EngineOptions engine = new EngineOptions();

  public static void main(String[] args) {
    // the cold-start benchmark times the JVM's own start up to here (ColdStartBenchmark)
    System.out.println("BENCH_ENGINE_MAIN at=" + System.currentTimeMillis());
    System.exit(new CommandLine(new BenchEngine()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path tmp = null;
    Path state = stateDir;
    if (state == null) {
      tmp = Files.createTempDirectory("stepstream-bench-engine-");
      state = tmp;
    }
    Stepstream.Builder builder = Stepstream.builder().bootstrapServers(bootstrapServers).topicPrefix(topicPrefix).stateDir(state);
    if (commandConfig != null) {
      builder.kafkaProperties(io.stepstream.client.KafkaProperties.load(commandConfig));
    }
    Scenario.registerAll(builder);
    if (limiterRps != null) {
      LimiterBenchmark.register(builder, limiterRps, instanceName);
    }
    if (taskQueue != null) {
      RemoteTasksBenchmark.register(builder, taskQueue);
    }
    EngineOptions.benchDefaults(builder, approvalSecret != null && !approvalSecret.isBlank() ? approvalSecret : Scenario.BENCH_APPROVAL_SECRET);
    // slow-steps keeps one thread per in-flight step: size for it unless told otherwise
    engine.apply(builder, Scenario.SLOW_STEPS_EXECUTOR_THREADS);
    if (retentionSeconds != null) {
      builder.retention(java.time.Duration.ofSeconds(retentionSeconds));
    }
    Stepstream instance = builder.build().start();
    if (soakStatsEverySeconds != null) {
      SoakStats.startPrinting(instance, state, soakStatsEverySeconds);
    }
    if (metricsEveryMs != null) {
      EngineMetricsLine.startPrinting(instance, metricsEveryMs);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Path cleanup = tmp;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        instance.close();
        Target.deleteRecursively(cleanup);
      } finally {
        stopped.countDown();
      }
    }, "bench-engine-shutdown"));
    System.out.println("BENCH_ENGINE_READY bootstrap=" + bootstrapServers + " topic-prefix=" + topicPrefix + " at=" + System.currentTimeMillis());
    System.out.println("engine configuration: " + EngineOptions.effective(instance));
    System.out.println("now run e.g.: load-tests/bench noop-3 burst --bootstrap-servers " + bootstrapServers + " --topic-prefix " + topicPrefix
        + (commandConfig == null ? "" : " --command-config CLIENT.properties"));
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** Waits until a BenchEngine child process, logging to {@code log}, says it is ready; else fails with its log. */
  static void awaitReady(java.nio.file.Path log, java.time.Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      if (java.nio.file.Files.exists(log) && java.nio.file.Files.readString(log).contains("BENCH_ENGINE_READY")) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("engine not ready: " + log + "\n" + (java.nio.file.Files.exists(log) ? java.nio.file.Files.readString(log) : ""));
  }
}
