package io.stepstream.loadtest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Everything one benchmark run measured: written to {@code load-tests/results/<name>.json}, read by {@link Report}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BenchResult(
    String name,
    String scenario,
    String mode,
    int stepsPerRun,
    String command,
    List<String> args,
    String startedAt,
    Environment.Git git,
    Environment.Machine machine,
    /** "embedded" (broker + engine in the generator's JVM) or "external" (--bootstrap-servers). */
    String target,
    /** Flags given on the command line for the engine (embedded only). */
    Map<String, Object> engineFlags,
    /** The engine's effective configuration, defaults included (embedded only). */
    Map<String, Object> engineEffective,
    Load load,
    Counts counts,
    Latency latencyMs,
    Throughput throughput,
    List<Percentile> percentiles,
    List<Bucket> timeline,
    String engineMetrics,
    /** Where the time went: engine and client counters over the measured phase (embedded engine; client only when external). */
    Map<String, Object> diagnostics,
    List<String> charts) {

  /** What was asked for. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Load(int runs, int warmup, int warmupS, Double targetRatePerS, Integer durationS, long timeoutS, String topicPrefix,
      Integer concurrency) {}

  /** Measured runs only (warm-up excluded). {@code errors = failed + sendErrors + timeouts}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Counts(long runs, long completed, long errors, long failed, long sendErrors, long timeouts, Map<String, Long> errorKinds) {}

  /** End-to-end latency of completed runs: start called -> result future completed. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Latency(long count, double min, double mean, double p50, double p90, double p99, double p999, double max) {}

  /** From the first request sent to the last result received. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Throughput(double elapsedS, double runsPerS, double stepsPerS, Double achievedSendRatePerS, Double maxSendLagMs) {}

  /** One point of the latency percentile distribution. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Percentile(double percentile, double ms) {}

  /** Requests sent and results received in one second since the first request. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Bucket(int second, long sent, long completed) {}

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  public static BenchResult read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), BenchResult.class);
  }
}
