package io.stepstream.closedloop;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * What a {@link ClosedLoop} benchmark measured: runs completed and failed, elapsed time from the first
 * start to the last result, and the latency of every completed run (microseconds, 3 significant digits).
 *
 * @param errorKinds failed runs by kind ("timeout" or the exception's class name)
 */
public record ClosedLoopResult(int concurrency, long runs, long completed, Map<String, Long> errorKinds, double elapsedS,
    Histogram latencyMicros) {

  public long errors() {
    return errorKinds.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Completed runs per second over the whole benchmark. */
  public double runsPerS() {
    return elapsedS > 0 ? completed / elapsedS : 0;
  }

  /** The latency at {@code percentile} (0-100) in milliseconds; 0 if nothing completed. */
  public double percentileMs(double percentile) {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  /** One line: {@code name C=64: 20000 runs, 20000 completed, 0 errors | p50 .. p99 .. max .. ms | 1010.3 runs/s}. */
  public String summaryLine(String name) {
    return String.format(Locale.ROOT, "%s C=%d: %d runs, %d completed, %d errors%s | latency ms p50 %.1f  p90 %.1f  p99 %.1f  max %.1f | %.1f runs/s over %.1f s",
        name, concurrency, runs, completed, errors(),
        errorKinds.isEmpty() ? "" : " " + errorKinds.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",", "(", ")")),
        percentileMs(50), percentileMs(90), percentileMs(99), latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue() / 1000.0,
        runsPerS(), elapsedS);
  }

  /** The result as one JSON object (what load-tests/peers/ writes and `load-tests/bench peers` reads). */
  public String toJson(String system, String workflow) {
    return String.format(Locale.ROOT,
        "{\"system\":\"%s\",\"workflow\":\"%s\",\"concurrency\":%d,\"runs\":%d,\"completed\":%d,\"errors\":%d,"
            + "\"elapsedS\":%.3f,\"runsPerS\":%.1f,\"p50Ms\":%.3f,\"p90Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f}",
        escape(system), escape(workflow), concurrency, runs, completed, errors(), elapsedS, runsPerS(),
        percentileMs(50), percentileMs(90), percentileMs(99), latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue() / 1000.0);
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
