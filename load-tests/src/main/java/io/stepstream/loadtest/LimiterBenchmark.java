package io.stepstream.loadtest;

import io.stepstream.StepOptions;
import io.stepstream.client.RunHandle;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Limiter;
import io.stepstream.engine.Stepstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Flow control across instances (issue 14, docs/flow-control.md): N runs sent at once through one
 * limiter of R requests per second, shared by two engine instances in their own JVMs ({@link
 * BenchEngine} child processes, the broker in this JVM). Each run's only step returns the wall-clock
 * time its body started and the instance that ran it; the achieved rate of step starts is (starts -
 * 1) / (last start - first start). Passes when it is within 5 % of R. Writes its block of
 * docs/benchmarks.md.
 */
@Command(name = "limiter", mixinStandardHelpOptions = true,
    description = "N runs through an R/s limiter shared by two engine JVMs: the achieved rate of step starts.")
public final class LimiterBenchmark implements Callable<Integer> {
  static final String LIMITER = "bench-limited";
  static final String WORKFLOW = "bench-limited";

  @Option(names = "--runs", defaultValue = "1000", description = "runs started at once (default ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--rate", defaultValue = "50", description = "the limiter's requests per second (default ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--instances", defaultValue = "2", description = "engine JVMs sharing the limiter (default ${DEFAULT-VALUE})")
  int instances;

  @Option(names = "--warmup-s", defaultValue = "30",
      description = "seconds of unmeasured noop-3 load (200 runs/s), then 100 runs through the limiter, before the measured runs:"
          + " on 2 cores the JIT compilers of the four JVMs slow everything for the first minute (default ${DEFAULT-VALUE}; 0 = none)")
  int warmupSeconds;

  @Option(names = "--stream-threads", defaultValue = "0", description = "stream threads per engine (default: the engine's own default)")
  int streamThreads;

  @Option(names = "--docs", defaultValue = "docs/benchmarks.md")
  Path docs;

  /** What a step of the limited workflow returns: when its body started, and where. */
  public record Start(long at, String instance) {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new LimiterBenchmark()).execute(args));
  }

  /** Declares the limiter and the workflow on an engine ({@link BenchEngine --limiter-rps}). */
  static void register(Stepstream.Builder builder, double requestsPerSecond, String instance) {
    builder.limiter(Limiter.named(LIMITER).requestsPerSecond(requestsPerSecond))
        .register(WORKFLOW, String.class, (ctx, in) ->
            ctx.step("call", Start.class, StepOptions.defaults().withLimiter(LIMITER), s -> new Start(System.currentTimeMillis(), instance)));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("stepstream-limiter");
    String prefix = "limiter-" + System.currentTimeMillis();
    List<Process> engines = new ArrayList<>();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      for (int i = 0; i < instances; i++) {
        engines.add(engine(bootstrap, prefix, dir, "e" + i));
      }
      for (int i = 0; i < instances; i++) {
        BenchEngine.awaitReady(dir.resolve("e" + i + ".log"), java.time.Duration.ofSeconds(180));
      }
      try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix(prefix).build()) {
        warmUp(client);
        List<RunHandle> handles = new ArrayList<>();
        long sentAt = System.currentTimeMillis();
        for (int i = 0; i < runs; i++) {
          handles.add(client.startAsync(WORKFLOW, "l-" + i, "x"));
        }
        client.flush();
        List<Start> starts = new ArrayList<>();
        int failed = 0;
        Duration wait = Duration.ofSeconds((long) (runs / rate) + 120);
        for (RunHandle h : handles) {
          var result = h.await(wait);
          if (result.status() == io.stepstream.RunStatus.COMPLETED) {
            starts.add(result.output(Start.class));
          } else {
            failed++;
          }
        }
        long doneAt = System.currentTimeMillis();
        starts.sort((a, b) -> Long.compare(a.at(), b.at()));
        long first = starts.get(0).at();
        long last = starts.get(starts.size() - 1).at();
        double achieved = (starts.size() - 1) * 1000.0 / Math.max(1, last - first);
        double off = Math.abs(achieved - rate) / rate * 100;
        Map<String, Integer> perInstance = new TreeMap<>();
        starts.forEach(s -> perInstance.merge(s.instance(), 1, Integer::sum));
        int seconds = (int) ((last - first) / 1000) + 1;
        int[] perSecond = new int[seconds];
        starts.forEach(s -> perSecond[(int) ((s.at() - first) / 1000)]++);
        int fullSeconds = (int) ((last - first) / 1000); // the last second is partial
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int s = 0; s < fullSeconds; s++) {
          min = Math.min(min, perSecond[s]);
          max = Math.max(max, perSecond[s]);
        }
        List<String> lines = new ArrayList<>();
        lines.add(row("load", runs + " runs sent at once (one step each, through limiter `" + LIMITER + "` of " + fmt(rate)
            + " requests/s); " + instances + " engine instances (child JVMs, engine defaults), broker in the generator's JVM"));
        lines.add(row("runs completed / failed", starts.size() + " / " + failed));
        lines.add(row("step starts per instance", perInstance.toString()));
        lines.add(row("first to last step start", (last - first) + " ms (first start " + (first - sentAt) + " ms after the first request)"));
        lines.add(row("achieved rate of step starts", fmt(achieved) + "/s (" + fmt(off) + " % off " + fmt(rate) + "/s; pass: within 5 %)"));
        lines.add(row("step starts in each full second (min / max)", min + " / " + max));
        lines.add(row("step starts per second", java.util.Arrays.toString(perSecond)));
        lines.add(row("last result received after the first request", (doneAt - sentAt) + " ms"));
        // where a shortfall comes from: the coordinator's grants (record timestamps = grant time) or what follows them
        List<Long> grants = new ArrayList<>();
        io.stepstream.internal.client.TopicScanner.readAll(
                Map.of(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap), prefix + ".limit-grants", -1,
                Duration.ofSeconds(60))
            .forEach(r -> {
              if (r.key() != null && r.key().startsWith("l-")) {
                grants.add(r.timestamp());
              }
            });
        java.util.Collections.sort(grants);
        if (grants.size() > 1) {
          double grantRate = (grants.size() - 1) * 1000.0 / Math.max(1, grants.get(grants.size() - 1) - grants.get(0));
          int[] grantsPerSecond = new int[(int) ((grants.get(grants.size() - 1) - grants.get(0)) / 1000) + 1];
          grants.forEach(g -> grantsPerSecond[(int) ((g - grants.get(0)) / 1000)]++);
          lines.add(row("grants (limit-grants record timestamps): rate / per second", fmt(grantRate) + "/s / "
              + java.util.Arrays.toString(grantsPerSecond)));
        }
        // and where a slow queue would come from: when the permit requests reached the limits topic
        List<Long> asks = new ArrayList<>();
        io.stepstream.internal.client.TopicScanner.readAll(
                Map.of(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap), prefix + ".limits", -1,
                Duration.ofSeconds(60))
            .forEach(r -> {
              String v = r.value() == null ? "" : new String(r.value(), java.nio.charset.StandardCharsets.UTF_8);
              if (v.contains("\"ACQUIRE\"") && v.contains("\"l-")) {
                asks.add(r.timestamp());
              }
            });
        java.util.Collections.sort(asks);
        if (!asks.isEmpty()) {
          int[] asksPerSecond = new int[(int) ((asks.get(asks.size() - 1) - sentAt) / 1000) + 1];
          asks.forEach(a -> asksPerSecond[(int) Math.max(0, (a - sentAt) / 1000)]++);
          lines.add(row("permit requests (limits record timestamps) per second after the first request", asks.size() + " in "
              + java.util.Arrays.toString(asksPerSecond)));
        }
        lines.forEach(System.out::println);
        writeDocs(lines);
        return failed == 0 && off <= 5.0 ? 0 : 1;
      }
    } finally {
      for (Process p : engines) {
        p.destroy();
      }
      for (Process p : engines) {
        p.waitFor();
      }
    }
  }

  /** Unmeasured load first, so the JVMs are past their JIT warm-up: noop-3 runs, then limited runs (2 s at 50/s). */
  private void warmUp(WorkflowClient client) throws Exception {
    if (warmupSeconds <= 0) {
      return;
    }
    long t0 = System.currentTimeMillis();
    List<java.util.concurrent.CompletableFuture<?>> results = new ArrayList<>();
    int total = 200 * warmupSeconds;
    for (int i = 0; i < total; i++) {
      long wait = t0 + i * 5L - System.currentTimeMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      }
      results.add(client.startAsync(Scenario.NOOP_3.workflowType(), "w-" + i, "x").result());
    }
    for (int i = 0; i < 100; i++) {
      results.add(client.startAsync(WORKFLOW, "wl-" + i, "x").result());
    }
    client.flush();
    java.util.concurrent.CompletableFuture.allOf(results.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
        .get(10, java.util.concurrent.TimeUnit.MINUTES);
    System.out.println("warm-up: " + total + " noop-3 runs and 100 limited runs in " + (System.currentTimeMillis() - t0) + " ms");
  }

  private Process engine(String bootstrap, String prefix, Path dir, String name) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        BenchEngine.class.getName(), "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
        "--state-dir", dir.resolve("state-" + name).toString(), "--limiter-rps", Double.toString(rate), "--instance-name", name,
        "--executor-threads", "64"));
    if (streamThreads > 0) {
      cmd.addAll(List.of("--stream-threads", Integer.toString(streamThreads)));
    }
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
  }


  private static String fmt(double d) {
    return String.format(java.util.Locale.ROOT, "%.2f", d);
  }

  private static String row(String what, Object value) {
    return "| " + what + " | " + value + " |";
  }

  private void writeDocs(List<String> lines) throws Exception {
    String begin = "<!-- limiter -->";
    String end = "<!-- /limiter -->";
    StringBuilder section = new StringBuilder(begin).append("\n### limiter\n\n`load-tests/bench limiter --runs ").append(runs)
        .append(" --rate ").append(fmt(rate)).append(" --warmup-s ").append(warmupSeconds).append(streamThreads > 0 ? " --stream-threads " + streamThreads : "").append("`, ").append(Instant.now()).append(", commit `")
        .append(Environment.git(Path.of(".")).describe()).append("`, ").append(Environment.machine().oneLine())
        .append(". Each step's body returns `System.currentTimeMillis()` when it started; all JVMs on one machine (one clock).\n\n")
        .append("| measure | value |\n|---|---|\n");
    lines.forEach(l -> section.append(l).append("\n"));
    section.append(end);
    String text = Files.readString(docs);
    if (text.contains(begin)) {
      text = text.substring(0, text.indexOf(begin)) + section + text.substring(text.indexOf(end) + end.length());
    } else {
      text = text.replace("<!-- /manual -->", section + "\n\n<!-- /manual -->");
    }
    Files.writeString(docs, text);
  }
}
