package io.stepstream.loadtest;

import io.stepstream.client.RunHandle;
import io.stepstream.client.WorkflowClient;
import io.stepstream.loadtest.StartupMilestones.Milestone;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How long an engine restart takes on an existing cluster: a broker (child JVM) whose topics an
 * engine already created, then a fresh engine JVM ({@link BenchEngine}) started {@code --repeats}
 * times, each timed from process start to each {@link Milestone} (from its log), to its ready line
 * and to the result of a noop-3 run this JVM's {@link WorkflowClient} requested right at the start.
 * With {@code --cache cds|aot} the topic-creating engine is also the training run that writes the
 * class cache, and every timed engine starts from it.
 *
 * <pre>
 * load-tests/bench cold-start                                    # Java 17, no class cache, 5 restarts
 * load-tests/bench cold-start --cache cds                        # AppCDS archive trained by the first engine
 * load-tests/bench cold-start --java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --cache aot
 * </pre>
 */
@Command(name = "load-tests/bench cold-start", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 120,
    description = "Times engine restarts on an existing cluster: process start to ready, RUNNING and the first run's result.")
public final class ColdStartBenchmark implements java.util.concurrent.Callable<Integer> {
  @Option(names = "--java", paramLabel = "PATH", description = "The java executable of the engine JVMs (default: this JVM's).")
  String javaPath;

  @Option(names = "--cache", defaultValue = "none", paramLabel = "none|cds|aot",
      description = "Class data for the engine JVMs: none, an AppCDS archive (Java 17+) or an AOT cache (Java 25); default ${DEFAULT-VALUE}.")
  String cache;

  @Option(names = "--repeats", defaultValue = "5", description = "Engine restarts timed (default ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--training-runs", defaultValue = "3000",
      description = "noop-3 runs through the first (topic-creating) engine before it stops; with a cache this is its training workload"
          + " (default ${DEFAULT-VALUE}).")
  int trainingRuns;

  @Option(names = "--fresh-state", description = "Delete the engine's state dir before each restart (restore from the changelogs);"
      + " default: keep it, as a restarted instance does.")
  boolean freshState;

  @Option(names = "--engine-opts", paramLabel = "OPTS", defaultValue = "-Xmx1g",
      description = "Extra JVM options of the engine JVMs, space separated (default ${DEFAULT-VALUE}).")
  String engineOpts;

  @Option(names = "--broker-override", paramLabel = "KEY=VALUE",
      description = "A broker property (repeatable), e.g. group.initial.rebalance.delay.ms=3000 (a production broker's default;"
          + " the dev broker uses 0).")
  List<String> brokerOverrides = new ArrayList<>();

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the broker, state, logs and cache go (default: a fresh temp dir).")
  Path workDir;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ColdStartBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("stepstream-cold-start");
    String javaExe = javaPath != null ? javaPath : ProcessHandle.current().info().command().orElse("java");
    ClassCache classCache = ClassCache.of(cache, dir.resolve("engine." + (cache.equals("aot") ? "aot" : "jsa")));
    String classPath = jarsOnly(System.getProperty("java.class.path"));
    System.out.println("cold-start: engine java " + javaExe + " (" + javaVersion(javaExe) + "), cache " + cache + ", " + repeats
        + " restarts, state " + (freshState ? "deleted before each" : "kept") + ", work dir " + dir);
    System.out.println("load average before: " + Environment.loadAverage());
    Process broker = startBroker(dir, classPath);
    try {
      String bootstrap = awaitLine(broker, "KAFKA_READY", dir.resolve("broker.log"), Duration.ofMinutes(2)).split(" ")[1];
      String prefix = "cold-" + System.currentTimeMillis();
      try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix(prefix).build()) {
        firstEngine(client, javaExe, classPath, classCache, bootstrap, prefix, dir);
        List<StartupMilestones> restarts = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
          if (freshState) {
            Target.deleteRecursively(dir.resolve("state"));
          }
          restarts.add(timedRestart(client, javaExe, classPath, classCache, bootstrap, prefix, dir, i));
        }
        printSummary(restarts);
      }
    } finally {
      broker.destroy();
      broker.waitFor(60, TimeUnit.SECONDS);
    }
    System.out.println("load average after: " + Environment.loadAverage());
    return 0;
  }

  /** Creates the topics (and with a cache, trains it): starts an engine, runs noop-3 runs through it, stops it. */
  private void firstEngine(WorkflowClient client, String javaExe, String classPath, ClassCache classCache, String bootstrap, String prefix,
      Path dir) throws Exception {
    long t0 = System.currentTimeMillis();
    Process engine = startEngine(javaExe, classPath, classCache.trainingOptions(), bootstrap, prefix, dir, dir.resolve("engine-setup.log"), line -> {});
    awaitLine(engine, "BENCH_ENGINE_READY", dir.resolve("engine-setup.log"), Duration.ofMinutes(3));
    List<CompletableFuture<?>> results = new ArrayList<>();
    for (int i = 0; i < trainingRuns; i++) {
      results.add(client.startAsync("bench-noop-3", "setup-" + i, "x").result());
    }
    client.flush();
    CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.MINUTES);
    long ready = System.currentTimeMillis();
    engine.destroy(); // SIGTERM: a clean close (leaves the group), and the JVM writes the class cache as it exits
    if (!engine.waitFor(5, TimeUnit.MINUTES)) {
      engine.destroyForcibly();
      throw new IllegalStateException("the setup engine did not stop within 5 minutes: " + dir.resolve("engine-setup.log"));
    }
    List<String> create = classCache.createCommand(javaExe, classPath);
    if (!create.isEmpty()) {
      Process p = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(dir.resolve("cache-create.log").toFile()).start();
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("creating the class cache failed: " + dir.resolve("cache-create.log"));
      }
    }
    System.out.printf("setup engine: topics created, %d noop-3 runs, stopped after %d ms (exit %d)%s%n", trainingRuns,
        System.currentTimeMillis() - t0, engine.exitValue(),
        classCache.enabled() ? "; cache " + classCache.file() + " written in " + (System.currentTimeMillis() - ready) + " ms after the runs, "
            + (Files.exists(classCache.file()) ? Files.size(classCache.file()) / (1024 * 1024) + " MiB" : "MISSING") : "");
    if (classCache.enabled() && !Files.exists(classCache.file())) {
      throw new IllegalStateException("no class cache was written; see " + dir.resolve("engine-setup.log"));
    }
  }

  private StartupMilestones timedRestart(WorkflowClient client, String javaExe, String classPath, ClassCache classCache, String bootstrap,
      String prefix, Path dir, int i) throws Exception {
    Path log = dir.resolve("engine-" + i + ".log");
    long t0 = System.currentTimeMillis();
    StartupMilestones milestones = new StartupMilestones(t0);
    // CPU seconds the engine JVM used until it was ready: on a busy machine a steadier measure than wall time
    java.util.concurrent.atomic.AtomicReference<Process> started = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicLong cpuAtReadyMs = new java.util.concurrent.atomic.AtomicLong(-1);
    java.util.concurrent.atomic.AtomicReference<String> threadsAtReady = new java.util.concurrent.atomic.AtomicReference<>("");
    Process engine = startEngine(javaExe, classPath, classCache.useOptions(), bootstrap, prefix, dir, log, line -> {
      if (line.startsWith("BENCH_ENGINE_READY")) {
        cpuAtReadyMs.set(cpuMillis(started.get()));
        threadsAtReady.set(topThreads(ThreadCpu.snapshot(started.get().pid())));
      }
      milestones.accept(line);
    });
    started.set(engine);
    try {
      // requested at once: it waits in <prefix>.requests until the engine has its partition
      RunHandle run = client.start("bench-noop-3", "restart-" + i, "x");
      run.result().get(3, TimeUnit.MINUTES);
      milestones.firstResultAt(System.currentTimeMillis());
      awaitLine(engine, "BENCH_ENGINE_READY", log, Duration.ofMinutes(1));
      milestones.cpuMillis(cpuAtReadyMs.get(), cpuMillis(engine));
    } finally {
      engine.destroy();
      if (!engine.waitFor(2, TimeUnit.MINUTES)) {
        engine.destroyForcibly();
      }
    }
    if (classCache.enabled() && Files.readString(log).matches("(?s).*(shared archive file|AOT cache).*(mismatch|not|disabled|fail).*")) {
      System.out.println("WARNING: the JVM may not have used the class cache; see " + log);
    }
    StringBuilder line = new StringBuilder("restart " + (i + 1) + ":");
    for (Milestone m : Milestone.values()) {
      line.append(' ').append(m.name().toLowerCase()).append('=').append(milestones.sinceStart(m));
    }
    System.out.println(line + " (ms since process start); engine CPU ms at ready=" + milestones.cpuAtReadyMs() + ", at first result="
        + milestones.cpuAtFirstResultMs() + " (load " + Environment.loadAverage() + ")");
    System.out.println("  engine CPU by thread until ready: " + threadsAtReady.get());
    return milestones;
  }

  private void printSummary(List<StartupMilestones> restarts) {
    System.out.println();
    System.out.println("| milestone (ms since the engine process started) | median | worst |");
    System.out.println("|---|---|---|");
    for (Milestone m : Milestone.values()) {
      long[] v = restarts.stream().mapToLong(r -> r.sinceStart(m)).filter(x -> x >= 0).sorted().toArray();
      if (v.length == 0) {
        System.out.println("| " + m.what + " | not seen | |");
      } else {
        System.out.printf("| %s | %,d | %,d |%n", m.what, v[(v.length - 1) / 2], v[v.length - 1]);
      }
    }
    long[] cpu = restarts.stream().mapToLong(StartupMilestones::cpuAtReadyMs).filter(x -> x >= 0).sorted().toArray();
    if (cpu.length > 0) {
      System.out.printf("| engine JVM CPU time until ready (user + system, ms) | %,d | %,d |%n", cpu[(cpu.length - 1) / 2], cpu[cpu.length - 1]);
    }
  }

  /** The threads (kernel names, digits folded) that used the most CPU so far: "main 2.1 s, C2 CompilerThreN 1.9 s, ...". */
  private static String topThreads(java.util.Map<String, Long> ticksByThread) {
    return ticksByThread.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
        .map(e -> e.getKey() + " " + e.getValue() / 100.0 + " s").collect(java.util.stream.Collectors.joining(", "));
  }

  /** CPU time (user + system) the process has used so far, in ms; -1 if unknown. */
  private static long cpuMillis(Process p) {
    return p == null ? -1 : p.toHandle().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
  }

  private Process startBroker(Path dir, String classPath) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp", classPath,
        "io.stepstream.devkafka.EmbeddedKafkaMain", "--data-dir", dir.resolve("kafka").toString(),
        "--parent-pid", Long.toString(ProcessHandle.current().pid())));
    brokerOverrides.forEach(o -> cmd.addAll(List.of("--override", o)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    pump(p, dir.resolve("broker.log"), line -> {});
    return p;
  }

  private Process startEngine(String javaExe, String classPath, List<String> cacheOptions, String bootstrap, String prefix, Path dir, Path log,
      Consumer<String> lines) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaExe);
    cmd.addAll(cacheOptions);
    if (!engineOpts.isBlank()) {
      cmd.addAll(Arrays.asList(engineOpts.trim().split("\\s+")));
    }
    StartupMilestones.LOG_LEVELS.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.addAll(List.of("-cp", classPath, BenchEngine.class.getName(), "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
        "--state-dir", dir.resolve("state").toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    pump(p, log, lines);
    return p;
  }

  /** Copies a child's output to its log file and hands each line to {@code lines} as it arrives. */
  private static void pump(Process p, Path log, Consumer<String> lines) throws IOException {
    PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true);
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          out.println(line);
          lines.accept(line);
        }
      } catch (IOException e) {
        // the child went away
      } finally {
        out.close();
      }
    }, "pump-" + log.getFileName());
    t.setDaemon(true);
    t.start();
  }

  /** Waits for a line of the child's log starting with {@code prefix}; fails with the log if the child dies or time runs out. */
  private static String awaitLine(Process p, String prefix, Path log, Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      if (Files.exists(log)) {
        try (Stream<String> lines = Files.lines(log)) {
          var found = lines.filter(l -> l.startsWith(prefix)).findFirst();
          if (found.isPresent()) {
            return found.get();
          }
        }
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("child exited (" + p.exitValue() + ") before printing " + prefix + ": " + log);
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no " + prefix + " within " + timeout + ": " + log);
  }

  /**
   * The class path with load-tests/target/classes replaced by this module's jar: class data sharing
   * archives only classes from jars (a non-empty directory on the class path disables it).
   */
  static String jarsOnly(String classPath) {
    List<String> out = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p)) {
        Path jar = moduleJar(p.getParent());
        if (jar == null) {
          throw new IllegalStateException(entry + " is a directory and no jar of it was found next to it (mvn package -pl load-tests)");
        }
        out.add(jar.toString());
      } else {
        out.add(entry);
      }
    }
    return String.join(File.pathSeparator, out);
  }

  private static Path moduleJar(Path targetDir) {
    try (Stream<Path> files = Files.list(targetDir)) {
      return files.filter(f -> f.getFileName().toString().matches("stepstream-load-tests-.*\\.jar")).findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private static String javaVersion(String javaExe) {
    try {
      Process p = new ProcessBuilder(javaExe, "-version").redirectErrorStream(true).start();
      String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("?");
      p.waitFor();
      return first;
    } catch (IOException | InterruptedException e) {
      return "unknown version";
    }
  }
}
