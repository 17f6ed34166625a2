package io.stepstream.loadtest;

import io.stepstream.engine.Stepstream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the soak benchmark samples inside the engine's own JVM ({@link BenchEngine}
 * {@code --soak-stats-every-s}): heap used after {@code System.gc()} (MemoryMXBean), the state
 * directory's allocated size (du, RocksDB files and all), the stored runs (runs started less runs
 * expired: exact for one instance started on empty state, as the soak's is; the engine's
 * {@code stepstream_runs_stored} gauge is printed beside it) and counters,
 * printed as one {@code SOAK_STATS key=value ...} line each time.
 */
final class SoakStats {
  static final String PREFIX = "SOAK_STATS ";

  private SoakStats() {}

  static void startPrinting(Stepstream engine, Path stateDir, int everySeconds) {
    Thread t = new Thread(() -> {
      long start = System.currentTimeMillis();
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(everySeconds * 1000L);
        } catch (InterruptedException e) {
          return;
        }
        System.out.println(PREFIX + "t=" + (System.currentTimeMillis() - start) + " " + line(engine, stateDir));
        System.out.flush();
      }
    }, "soak-stats");
    t.setDaemon(true);
    t.start();
  }

  static String line(Stepstream engine, Path stateDir) {
    System.gc();
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    Map<String, String> counters = counters(engine.metricsSummary());
    // exact for one fresh instance (the soak's): every run it started and did not remove is stored
    long stored = Long.parseLong(counters.getOrDefault("runsStarted", "0")) - Long.parseLong(counters.getOrDefault("runsExpired", "0"));
    return "heapAfterGcBytes=" + heap + " stateDirBytes=" + du(stateDir) + " storedRuns=" + stored
        + " storedRunsGauge=" + counters.getOrDefault("storedRuns", "-1")
        + " runsExpired=" + counters.getOrDefault("runsExpired", "-1") + " runsFinished=" + counters.getOrDefault("runsFinished", "-1");
  }

  /** {@code a=1 b=2} into a map. */
  static Map<String, String> counters(String summary) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : summary.trim().split("\\s+")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        m.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return m;
  }

  /** Bytes allocated on disk (du -sk): what the volume must hold. */
  static long du(Path p) {
    try {
      Process du = new ProcessBuilder("du", "-sk", p.toString()).redirectErrorStream(true).start();
      String out = new String(du.getInputStream().readAllBytes()).trim();
      du.waitFor();
      return Long.parseLong(out.split("\\s+")[0]) * 1024;
    } catch (Exception e) {
      return -1;
    }
  }
}
