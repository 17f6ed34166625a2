package io.stepstream.peers.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The side-by-side table of {@code load-tests/bench peers}: one row per system and concurrency, read from
 * {@code <results>/peers-<system>-c<C>.json}. Restate's and DBOS's files are {@code ClosedLoopResult.toJson}
 * (fields runsPerS, p50Ms, p99Ms, errors); Stepstream's is the generator's BenchResult (throughput.runsPerS,
 * latencyMs.p50, latencyMs.p99, counts.errors). A missing file shows as "not run".
 *
 * <pre>{@code
 * java -cp ... io.stepstream.peers.client.PeersTable --results load-tests/results --concurrency 1,64,256 \
 *     --systems stepstream,restate,dbos --out load-tests/results/peers.md
 * }</pre>
 */
public final class PeersTable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PeersTable() {}

  /** One measured (or missing) cell row. */
  record Row(String system, int concurrency, Double runsPerS, Double p50Ms, Double p99Ms, Long errors, Double loadAvg) {
    static Row missing(String system, int concurrency) {
      return new Row(system, concurrency, null, null, null, null, null);
    }
  }

  public static void main(String[] args) throws IOException {
    Path results = Path.of("load-tests/results");
    String concurrency = "1,64,256";
    String systems = "stepstream,restate,dbos";
    Path out = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--results" -> results = Path.of(args[i + 1]);
        case "--concurrency" -> concurrency = args[i + 1];
        case "--systems" -> systems = args[i + 1];
        case "--out" -> out = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Row> rows = new ArrayList<>();
    for (String c : concurrency.split(",")) {
      for (String system : systems.split(",")) {
        rows.add(read(results, system.trim(), Integer.parseInt(c.trim())));
      }
    }
    String table = markdown(rows);
    System.out.print(table);
    if (out != null) {
      Files.writeString(out, table);
    }
  }

  /** The row of {@code system} at {@code concurrency}, from its result file in {@code dir}. */
  static Row read(Path dir, String system, int concurrency) throws IOException {
    Path file = dir.resolve("peers-" + system + "-c" + concurrency + ".json");
    if (!Files.exists(file)) {
      return Row.missing(system, concurrency);
    }
    JsonNode n = JSON.readTree(file.toFile());
    if (n.has("throughput")) { // the generator's BenchResult (Stepstream)
      return new Row(system, concurrency, num(n.path("throughput").path("runsPerS")), num(n.path("latencyMs").path("p50")),
          num(n.path("latencyMs").path("p99")), n.path("counts").path("errors").asLong(),
          firstNumber(n.path("diagnostics").path("loadAverageAtStart").asText("")));
    }
    return new Row(system, concurrency, num(n.path("runsPerS")), num(n.path("p50Ms")), num(n.path("p99Ms")),
        n.path("errors").asLong(), num(n.path("loadAvg1mBefore")));
  }

  static String markdown(List<Row> rows) {
    StringBuilder sb = new StringBuilder("| system | C | runs/s | p50 ms | p99 ms | errors | load avg 1m |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      if (r.runsPerS() == null) {
        sb.append(String.format(Locale.ROOT, "| %s | %d | not run | | | | |%n", r.system(), r.concurrency()));
      } else {
        sb.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.1f | %.1f | %d | %s |%n", r.system(), r.concurrency(), r.runsPerS(),
            r.p50Ms(), r.p99Ms(), r.errors(), r.loadAvg() == null ? "" : String.format(Locale.ROOT, "%.2f", r.loadAvg())));
      }
    }
    sb.append("\nload avg 1m: /proc/loadavg when the benchmark started (Stepstream: before its warm-up; Restate, DBOS: after"
        + " theirs, when the measured runs started). On 2 cores, other jobs on the machine show here.\n");
    return sb.toString();
  }

  /** The first number of "0.52 0.61 0.70", or null. */
  private static Double firstNumber(String s) {
    try {
      return s.isBlank() ? null : Double.valueOf(s.trim().split("\\s+")[0]);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Double num(JsonNode n) {
    return n.isNumber() ? n.asDouble() : null;
  }
}
