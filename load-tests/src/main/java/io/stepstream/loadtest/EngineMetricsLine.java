package io.stepstream.loadtest;

import io.stepstream.engine.Stepstream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an engine child process tells a benchmark in another JVM about itself ({@link BenchEngine}
 * {@code --metrics-every-ms}): one {@code ENGINE_METRICS key=value ...} line every interval with
 * cumulative counters (transactions committed by its stream threads, records they sent, step outcomes
 * published) and its active tasks right now. The benchmark reads the last line before and after its
 * measured phase from the child's log and takes the difference.
 */
final class EngineMetricsLine {
  static final String PREFIX = "ENGINE_METRICS ";

  private EngineMetricsLine() {}

  static void startPrinting(Stepstream engine, int everyMs) {
    EngineProbe probe = EngineProbe.of(engine, null);
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(everyMs);
        } catch (InterruptedException e) {
          return;
        }
        System.out.println(line(probe));
        System.out.flush();
      }
    }, "engine-metrics-line");
    t.setDaemon(true);
    t.start();
  }

  static String line(EngineProbe probe) {
    Map<String, Double> m = probe.snapshot();
    return PREFIX + "t=" + System.currentTimeMillis()
        + " commits=" + (long) (double) m.getOrDefault("streamThreads.commit-total", -1.0)
        + " streamsRecordsSent=" + (long) (double) m.getOrDefault("streamsProducer.record-send-total", -1.0)
        + " outcomesSent=" + (long) (double) m.getOrDefault("outcomeProducer.record-send-total", -1.0)
        + " txnCommitNs=" + (long) (double) m.getOrDefault("streamsProducer.txn-commit-time-ns-total", -1.0)
        + " activeTasks=" + probe.activeTasks();
  }

  /** The last {@code ENGINE_METRICS} line in {@code log}, as key -> value; empty if there is none yet. */
  static Map<String, Long> lastIn(java.nio.file.Path log) throws java.io.IOException {
    Map<String, Long> m = new LinkedHashMap<>();
    if (!java.nio.file.Files.exists(log)) {
      return m;
    }
    String last = null;
    for (String l : java.nio.file.Files.readAllLines(log)) {
      if (l.startsWith(PREFIX)) {
        last = l;
      }
    }
    if (last != null) {
      for (String part : last.substring(PREFIX.length()).trim().split("\\s+")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          m.put(part.substring(0, eq), Long.parseLong(part.substring(eq + 1)));
        }
      }
    }
    return m;
  }
}
