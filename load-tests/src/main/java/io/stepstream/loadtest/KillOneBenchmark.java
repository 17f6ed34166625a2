package io.stepstream.loadtest;

import io.stepstream.client.WorkflowClient;
import io.stepstream.internal.client.TopicScanner;
import io.stepstream.devkafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Two engine instances (child JVMs running {@link BenchEngine}) share a steady noop-3 load from this
 * process; one is killed with SIGKILL. Reports results per second around the kill, the time until
 * throughput is back, and checks that every request got exactly one committed result.
 */
@Command(name = "kill-one", mixinStandardHelpOptions = true, description = "Two engines under steady load, one killed with SIGKILL.")
public final class KillOneBenchmark implements Callable<Integer> {
  @Option(names = "--rate", defaultValue = "200", description = "runs started per second")
  int rate;

  @Option(names = "--duration-s", defaultValue = "60")
  int durationSeconds;

  @Option(names = "--kill-at-s", defaultValue = "20")
  int killAtSeconds;

  @Option(names = "--warmup-s", defaultValue = "60",
      description = "seconds of the same load before the measured phase, so the four JVMs on the machine are past their JIT warm-up (default ${DEFAULT-VALUE}; 0 = none)")
  int warmupSeconds;

  @Option(names = "--session-timeout-ms", defaultValue = "0",
      description = "consumer session timeout of the engines: how soon a killed member is noticed (default: the engine's own default, which is what users get)")
  int sessionTimeoutMs;

  @Option(names = "--docs", defaultValue = "docs/benchmarks.md")
  Path docs;

  private final List<String> lines = new ArrayList<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new KillOneBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("stepstream-kill-one");
    String prefix = "killone-" + System.currentTimeMillis();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      Process a = engine(bootstrap, prefix, dir, "a");
      Process b = engine(bootstrap, prefix, dir, "b");
      BenchEngine.awaitReady(dir.resolve("a.log"), java.time.Duration.ofSeconds(120));
      BenchEngine.awaitReady(dir.resolve("b.log"), java.time.Duration.ofSeconds(120));
      try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix(prefix).build()) {
        client.start("bench-noop-3", "warm-up", "x").await(Duration.ofMinutes(2));
        warmUp(client);
        AtomicLongArray perSecond = new AtomicLongArray(durationSeconds + 180);
        long t0 = System.currentTimeMillis();
        client.subscribe(r -> {
          int s = (int) ((System.currentTimeMillis() - t0) / 1000);
          if (r.runId().startsWith("k-") && s >= 0 && s < perSecond.length()) {
            perSecond.incrementAndGet(s);
          }
        });
        Map<String, Boolean> sent = new ConcurrentHashMap<>();
        long killedAt = -1;
        int total = rate * durationSeconds;
        for (int i = 0; i < total; i++) {
          long due = t0 + i * 1000L / rate;
          long wait = due - System.currentTimeMillis();
          if (wait > 0) {
            Thread.sleep(wait);
          }
          if (killedAt < 0 && System.currentTimeMillis() - t0 >= killAtSeconds * 1000L) {
            a.destroyForcibly(); // SIGKILL: no leave-group, no commit
            killedAt = System.currentTimeMillis() - t0;
          }
          String runId = "k-" + i;
          sent.put(runId, true);
          client.startAsync("bench-noop-3", runId, "x");
        }
        client.flush();
        long deadline = System.currentTimeMillis() + 180_000;
        while (sum(perSecond) < total && System.currentTimeMillis() < deadline) {
          Thread.sleep(200);
        }
        Map<String, Integer> results = new HashMap<>();
        TopicScanner.readAll(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap), prefix + ".results", -1, Duration.ofSeconds(60))
            .forEach(r -> results.merge(r.key(), 1, Integer::sum));
        long missing = sent.keySet().stream().filter(k -> !results.containsKey(k)).count();
        long duplicated = results.entrySet().stream().filter(e -> e.getKey().startsWith("k-") && e.getValue() > 1).count();
        int killSecond = (int) (killedAt / 1000);
        int back = backAfter(perSecond, killSecond, (long) (rate * 0.9));
        line("load", rate + " noop-3 runs/s for " + durationSeconds + " s from one client, after " + warmupSeconds
            + " s of the same load to warm up; 2 engine instances (child JVMs), 6 partitions, session timeout "
            + (sessionTimeoutMs > 0 ? sessionTimeoutMs + " ms" : "the engine default"));
        line("results per second before the kill (measured phase)", window(perSecond, 0, killSecond));
        line("killed instance a with SIGKILL at", killedAt + " ms");
        line("results per second, from 5 s before the kill", window(perSecond, killSecond - 5, killSecond + 25));
        line("throughput back to >= 90 % of the load (3 s in a row) after", back < 0 ? "not within the run" : (back - killSecond) + " s");
        line("requests sent / with a result / missing / with more than one result",
            total + " / " + results.keySet().stream().filter(k -> k.startsWith("k-")).count() + " / " + missing + " / " + duplicated);
        writeDocs();
        return missing == 0 && duplicated == 0 ? 0 : 1;
      } finally {
        a.destroyForcibly();
        b.destroy();
        b.waitFor();
      }
    }
  }

  /**
   * The same load for {@code warmupSeconds} before anything is measured: four JVMs (broker and
   * generator, two engines) share 2 cores, and while their JIT compilers run the engines deliver a
   * fraction of the load (measured: 10-20 of 200 runs/s in the first minute).
   */
  private void warmUp(WorkflowClient client) throws Exception {
    if (warmupSeconds <= 0) {
      return;
    }
    int total = rate * warmupSeconds;
    List<java.util.concurrent.CompletableFuture<?>> results = new ArrayList<>();
    long t0 = System.currentTimeMillis();
    for (int i = 0; i < total; i++) {
      long wait = t0 + i * 1000L / rate - System.currentTimeMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      }
      results.add(client.startAsync("bench-noop-3", "w-" + i, "x").result());
    }
    client.flush();
    java.util.concurrent.CompletableFuture.allOf(results.toArray(new java.util.concurrent.CompletableFuture<?>[0])).get(5, java.util.concurrent.TimeUnit.MINUTES);
    System.out.println("warm-up: " + total + " runs in " + (System.currentTimeMillis() - t0) + " ms");
  }

  private Process engine(String bootstrap, String prefix, Path dir, String name) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-Xmx1g", "-cp", System.getProperty("java.class.path"),
        BenchEngine.class.getName(), "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
        "--state-dir", dir.resolve("state-" + name).toString()));
    if (sessionTimeoutMs > 0) {
      cmd.addAll(List.of("--streams-config", "consumer.session.timeout.ms=" + sessionTimeoutMs,
          "--streams-config", "consumer.heartbeat.interval.ms=" + Math.max(500, sessionTimeoutMs / 6)));
    }
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
  }


  private static long sum(AtomicLongArray a) {
    long s = 0;
    for (int i = 0; i < a.length(); i++) {
      s += a.get(i);
    }
    return s;
  }

  /** First second at or after {@code from} that starts 3 seconds in a row at or above {@code threshold}. */
  private static int backAfter(AtomicLongArray perSecond, int from, long threshold) {
    for (int s = Math.max(0, from); s + 2 < perSecond.length(); s++) {
      if (perSecond.get(s) >= threshold && perSecond.get(s + 1) >= threshold && perSecond.get(s + 2) >= threshold) {
        return s;
      }
    }
    return -1;
  }

  private static String window(AtomicLongArray perSecond, int from, int to) {
    StringBuilder sb = new StringBuilder();
    for (int s = Math.max(0, from); s < Math.min(to, perSecond.length()); s++) {
      sb.append(perSecond.get(s)).append(' ');
    }
    return sb.toString().trim();
  }

  private void line(String what, Object value) {
    lines.add("| " + what + " | " + value + " |");
    System.out.println(what + ": " + value);
  }

  private void writeDocs() throws Exception {
    String begin = "<!-- kill-one -->";
    String end = "<!-- /kill-one -->";
    StringBuilder section = new StringBuilder(begin).append("\n### kill-one\n\n`load-tests/bench kill-one --rate ").append(rate)
        .append(" --duration-s ").append(durationSeconds).append("`, ").append(Instant.now()).append(", commit `")
        .append(Environment.git(Path.of(".")).describe()).append("`, ").append(Environment.machine().oneLine())
        .append(". Broker in the generator's JVM; engines in their own JVMs.\n\n| measure | value |\n|---|---|\n");
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
