package io.stepstream.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the generator end to end in this JVM (embedded broker + engine, noop-3 burst of 50 runs).
 * Checks that every run completes and the output is written; deliberately no timing assertions.
 */
class LoadGeneratorSmokeTest {

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void noop3BurstOf50CompletesEveryRun() throws Exception {
    Path out = Path.of("target", "smoke");
    BenchResult r = LoadGenerator.run(
        "noop-3", "burst", "--runs", "50", "--warmup", "5", "--timeout-s", "40",
        "--results-dir", out.resolve("results").toString(),
        "--charts-dir", out.resolve("charts").toString());

    assertThat(r.counts().runs()).isEqualTo(50);
    assertThat(r.counts().completed()).isEqualTo(50);
    assertThat(r.counts().errors()).isZero();
    assertThat(r.counts().errorKinds()).isEmpty();
    assertThat(r.latencyMs().count()).isEqualTo(50);
    assertThat(out.resolve("results").resolve("noop-3-burst.json")).exists();
    assertThat(BenchResult.read(out.resolve("results").resolve("noop-3-burst.json")).counts().completed()).isEqualTo(50);
    assertThat(Files.size(out.resolve("charts").resolve("noop-3-burst-latency.png"))).isPositive();
    assertThat(Files.size(out.resolve("charts").resolve("noop-3-burst-throughput.png"))).isPositive();
  }

  /** The headline setup: broker and engine in their own JVMs, closed loop; every run completes and each process is accounted for. */
  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void closedLoopAgainstABrokerAndAnEngineInTheirOwnJvms() throws Exception {
    Path out = Path.of("target", "smoke-3p");
    BenchResult r = LoadGenerator.run(
        "noop-3", "closed", "--concurrency", "4", "--runs", "40", "--warmup", "8", "--processes", "3", "--timeout-s", "60",
        "--engine-jvm-options", "-Xmx512m", "--no-charts",
        "--results-dir", out.resolve("results").toString());

    assertThat(r.target()).isEqualTo("3-process");
    assertThat(r.load().concurrency()).isEqualTo(4);
    assertThat(r.counts().completed()).isEqualTo(40);
    assertThat(r.counts().errors()).isZero();
    assertThat(out.resolve("results").resolve("noop-3-closed-c4-3p.json")).exists();
    @SuppressWarnings("unchecked")
    var cpu = (java.util.Map<String, Object>) r.diagnostics().get("processCpuSDuringMeasuredPhase");
    assertThat(cpu).containsOnlyKeys("broker", "engine");
    @SuppressWarnings("unchecked")
    var offsets = (java.util.Map<String, Object>) r.diagnostics().get("offsetsPerRunByTopic");
    // each run writes exactly one request and three step-outcome records, whatever else it writes
    assertThat(offsets).containsEntry(r.load().topicPrefix() + ".requests", 1.0).containsEntry(r.load().topicPrefix() + ".step-outcomes", 3.0);
  }
}
