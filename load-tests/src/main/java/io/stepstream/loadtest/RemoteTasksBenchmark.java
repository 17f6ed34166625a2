package io.stepstream.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import io.stepstream.RunResult;
import io.stepstream.TaskOptions;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafkaMain;
import io.stepstream.engine.Stepstream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Remote tasks over a share group, measured: a broker, an engine and W worker processes (each its own JVM),
 * N runs started at once, each calling one remote task that sleeps S ms in a worker with C slots. Reports the
 * makespan (first start to last result), the ideal N*S/(W*C), their ratio, how many tasks each worker ran, and
 * the CPU seconds of every process during the measured phase.
 *
 * <pre>
 * load-tests/bench remote-tasks --runs 1000 --workers 4 --concurrency 25 --sleep-ms 2000
 * </pre>
 */
@Command(name = "remote-tasks", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 120,
    description = "N runs, each one remote task (sleep S ms) executed by W worker JVMs with C slots each: makespan against N*S/(W*C).")
public final class RemoteTasksBenchmark implements Callable<Integer> {
  static final String WORKFLOW = "remote-task";
  static final String QUEUE = "bench-tasks";

  @Option(names = "--runs", defaultValue = "1000", description = "measured runs (default ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--workers", defaultValue = "4", description = "worker processes W (default ${DEFAULT-VALUE})")
  int workers;

  @Option(names = "--concurrency", defaultValue = "25", description = "slots per worker C (default ${DEFAULT-VALUE})")
  int concurrency;

  @Option(names = "--sleep-ms", defaultValue = "2000", description = "what each task takes (default ${DEFAULT-VALUE})")
  long sleepMs;

  @Option(names = "--partitions", defaultValue = "6", description = "partitions of the engine's topics, the task topic too (default ${DEFAULT-VALUE})")
  int partitions;

  @Option(names = "--warmup-runs", description = "runs before the measured ones, awaited (default W*C: every slot takes part once)")
  Integer warmupRuns;

  @Option(names = "--consumers", defaultValue = "0", description = "share consumers per worker (default 0: the worker's own default, one per slot)")
  int consumers;

  @Option(names = "--engine-arg", paramLabel = "ARG", description = "an extra BenchEngine argument, repeatable (e.g. --engine-arg=--commit-interval-ms --engine-arg=50)")
  List<String> engineArgs = new java.util.ArrayList<>();

  @Option(names = "--worker-java-opts", defaultValue = "-Xmx256m", description = "JVM options of each worker (default ${DEFAULT-VALUE})")
  String workerJavaOpts;

  public static void main(String[] args) {
    System.exit(new CommandLine(new RemoteTasksBenchmark()).execute(args));
  }

  /** What {@link BenchEngine} registers with {@code --task-queue}: one remote task per run, its value the result. */
  static void register(Stepstream.Builder builder, String queue) {
    builder.taskQueues(queue).register(WORKFLOW, Integer.class, (ctx, i) ->
        ctx.task("work", queue, i, String.class, TaskOptions.defaults().withTimeout(Duration.ofMinutes(10))));
  }

  @Override
  public Integer call() throws Exception {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().children().forEach(ProcessHandle::destroyForcibly),
        "remote-tasks-children-cleanup"));
    Path dir = Files.createTempDirectory("stepstream-remote-tasks");
    String prefix = "remote-" + System.currentTimeMillis();
    List<ChildJvm> children = new ArrayList<>();
    try {
      System.out.println("[remote-tasks] load average before start " + ClusterCounters.loadAverage());
      ChildJvm broker = ChildJvm.start("broker", dir, List.of("-Xmx1g"), EmbeddedKafkaMain.class,
          List.of("--data-dir", dir.resolve("kafka").toString(), "--parent-pid", Long.toString(ProcessHandle.current().pid())));
      children.add(broker);
      String bootstrap = broker.awaitLine("KAFKA_READY", Duration.ofSeconds(90)).split(" ")[1];
      List<String> engineArgList = new ArrayList<>(List.of("--bootstrap-servers", bootstrap,
          "--topic-prefix", prefix, "--partitions", Integer.toString(partitions), "--task-queue", QUEUE));
      engineArgList.addAll(engineArgs);
      ChildJvm engine = ChildJvm.start("engine", dir, List.of("-Xmx1g"), BenchEngine.class, engineArgList);
      children.add(engine);
      engine.awaitLine("BENCH_ENGINE_READY", Duration.ofSeconds(180));
      List<ChildJvm> workerJvms = new ArrayList<>();
      for (int w = 1; w <= workers; w++) {
        ChildJvm worker = ChildJvm.start("worker-" + w, dir, List.of(workerJavaOpts.trim().split("\\s+")), BenchWorker.class,
            List.of(bootstrap, prefix, QUEUE, "worker-" + w, Integer.toString(concurrency), Long.toString(sleepMs), Integer.toString(consumers)));
        children.add(worker);
        workerJvms.add(worker);
      }
      for (ChildJvm worker : workerJvms) {
        worker.awaitLine("BENCH_WORKER_READY", Duration.ofSeconds(120));
      }
      try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix(prefix).build()) {
        int warmup = warmupRuns != null ? warmupRuns : workers * concurrency;
        System.out.printf("[remote-tasks] %d workers x %d slots ready; %d warm-up runs ...%n", workers, concurrency, warmup);
        runAll(client, "warm", warmup);

        Map<String, Double> cpuBefore = cpu(children);
        String loadBefore = ClusterCounters.loadAverage();
        long t0 = System.nanoTime();
        Map<String, Integer> perWorker = runAll(client, "run", runs);
        double makespanS = (System.nanoTime() - t0) / 1e9;
        String loadAfter = ClusterCounters.loadAverage();
        Map<String, Double> cpuAfter = cpu(children);

        double idealS = (double) runs * sleepMs / 1000.0 / (workers * concurrency);
        System.out.printf("[remote-tasks] RESULT runs=%d workers=%d concurrency=%d sleep=%d ms partitions=%d%n", runs, workers, concurrency, sleepMs, partitions);
        System.out.printf("[remote-tasks] RESULT makespan %.1f s, ideal N*S/(W*C) %.1f s, ratio %.2f; %.1f tasks/s%n",
            makespanS, idealS, makespanS / idealS, runs / makespanS);
        System.out.println("[remote-tasks] RESULT tasks per worker " + perWorker);
        StringBuilder cpuLine = new StringBuilder();
        cpuAfter.forEach((name, after) -> cpuLine.append(String.format(" %s %.1f s", name, after - cpuBefore.getOrDefault(name, 0.0))));
        System.out.println("[remote-tasks] RESULT CPU during the measured phase:" + cpuLine);
        System.out.println("[remote-tasks] RESULT load average before " + loadBefore + ", after " + loadAfter);
      }
      return 0;
    } finally {
      for (int i = children.size() - 1; i >= 0; i--) {
        children.get(i).close();
      }
      Target.deleteRecursively(dir);
    }
  }

  /** Starts {@code n} runs at once and awaits every result; the tasks each worker ran. */
  private Map<String, Integer> runAll(WorkflowClient client, String tag, int n) {
    String base = tag + "-" + System.currentTimeMillis() + "-";
    for (int i = 0; i < n; i++) {
      client.start(WORKFLOW, base + i, i);
    }
    Map<String, Integer> perWorker = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      RunResult result = client.awaitResult(base + i, Duration.ofMinutes(10));
      if (!result.isCompleted()) {
        throw new IllegalStateException(base + i + " did not complete: " + result);
      }
      perWorker.merge(result.output(String.class), 1, Integer::sum);
    }
    return perWorker;
  }

  private static Map<String, Double> cpu(List<ChildJvm> children) {
    Map<String, Double> out = new TreeMap<>();
    for (ChildJvm child : children) {
      out.put(child.toString().split(" ")[0], child.cpuSeconds());
    }
    return out;
  }
}
