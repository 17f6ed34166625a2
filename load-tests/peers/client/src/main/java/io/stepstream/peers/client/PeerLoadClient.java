package io.stepstream.peers.client;

import io.stepstream.closedloop.ClosedLoop;
import io.stepstream.closedloop.ClosedLoopResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The load client of load-tests/peers/: a JVM of its own that drives one peer with {@link ClosedLoop}
 * (C clients, each calling the peer's HTTP endpoint once per run and waiting for the output), first a
 * warm-up, then the measured runs, and writes the result as JSON.
 *
 * <pre>{@code
 * java -cp ... io.stepstream.peers.client.PeerLoadClient --system restate --url http://127.0.0.1:18080 \
 *     --concurrency 64 --runs 20000 --warmup 2000 --warmup-s 20 --out load-tests/results/peers-restate-c64.json
 * }</pre>
 *
 * <p>Warm-up: batches of {@code --warmup} runs until at least {@code --warmup-s} seconds passed (both
 * minimums hold, the same for every system). Every run has an id of its own (warm-up ids differ from
 * measured ids), so no call is answered from a peer's idempotency cache.
 */
public final class PeerLoadClient {
  private PeerLoadClient() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    String system = a.getOrDefault("system", "");
    URI url = URI.create(required(a, "url"));
    int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "1"));
    long runs = Long.parseLong(a.getOrDefault("runs", "1000"));
    long warmupRuns = Long.parseLong(a.getOrDefault("warmup", "2000"));
    double warmupS = Double.parseDouble(a.getOrDefault("warmup-s", "20"));
    Duration timeout = Duration.ofSeconds(Long.parseLong(a.getOrDefault("timeout-s", "60")));
    String out = a.get("out");

    PeerEndpoint endpoint = PeerEndpoint.forSystem(system, url);
    // HTTP/1.1 with keep-alive for both peers: one connection per concurrent client, no h2c upgrade dance
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    String session = system + "-" + System.currentTimeMillis() + "-c" + concurrency;

    long warmed = warmUp(http, endpoint, session, concurrency, warmupRuns, warmupS, timeout);

    double loadBefore = loadAverage1m();
    ClosedLoopResult result = ClosedLoop.run(new HttpRunStarter(http, endpoint, session + "-run-", timeout), concurrency, runs, timeout);
    double loadAfter = loadAverage1m();

    String name = "peers-" + system;
    System.out.println(result.summaryLine(name) + String.format(Locale.ROOT, " | load average 1m %.2f -> %.2f", loadBefore, loadAfter));
    if (out != null) {
      Path file = Path.of(out);
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, withRunFacts(result.toJson(system, "noop-3"), warmed, loadBefore, loadAfter) + "\n");
      System.err.println("[peers] wrote " + file);
    }
    System.exit(result.errors() == 0 ? 0 : 1);
  }

  /** Runs warm-up batches of {@code batch} runs until {@code minSeconds} passed; returns the runs done. */
  private static long warmUp(HttpClient http, PeerEndpoint endpoint, String session, int concurrency, long batch,
      double minSeconds, Duration timeout) throws InterruptedException {
    long t0 = System.nanoTime();
    long done = 0;
    for (int b = 0; batch > 0 && (b == 0 || (System.nanoTime() - t0) / 1e9 < minSeconds); b++) {
      ClosedLoopResult r = ClosedLoop.run(new HttpRunStarter(http, endpoint, session + "-warmup" + b + "-", timeout), concurrency, batch, timeout);
      done += batch;
      System.err.println("[peers] " + r.summaryLine("warm-up " + b));
    }
    return done;
  }

  /** The result's JSON with what else a reader needs to judge it: warm-up runs, machine load, time. */
  static String withRunFacts(String json, long warmupRuns, double loadBefore, double loadAfter) {
    String facts = String.format(Locale.ROOT, ",\"warmupRuns\":%d,\"loadAvg1mBefore\":%.2f,\"loadAvg1mAfter\":%.2f,\"cpus\":%d,\"finishedAt\":\"%s\"}",
        warmupRuns, loadBefore, loadAfter, Runtime.getRuntime().availableProcessors(), Instant.now());
    return json.substring(0, json.lastIndexOf('}')) + facts;
  }

  /** The 1-minute load average (Linux), -1 if unknown. */
  static double loadAverage1m() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
      }
      m.put(args[i].substring(2), args[++i]);
    }
    return m;
  }

  private static String required(Map<String, String> a, String key) {
    String v = a.get(key);
    if (v == null) {
      throw new IllegalArgumentException("--" + key + " is required");
    }
    return v;
  }
}
