package io.stepstream.loadtest;

import io.stepstream.avro.WorkflowRequest;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The retention soak: N noop-3 runs (default 1,000,000) at a steady rate through one engine whose
 * finished runs expire after a short window (default 30 s), to show that disk and heap stay bounded
 * however many runs have passed. Three processes' worth of roles in two JVMs: this one holds the
 * broker (EmbeddedKafka) and the generator (a plain producer, no result waiters, so the generator's
 * own memory does not grow with N); the engine is a child JVM ({@link BenchEngine}
 * {@code --retention-s --soak-stats-every-s}) that samples itself every 10 s: heap after GC
 * (System.gc(), MemoryMXBean of the engine's JVM only), its state dir on disk (du), the stored-runs
 * runs (started less expired) and the expired counter. After the last request it keeps sampling
 * until the stores have drained (2 windows + 30 s). Writes its section of docs/benchmarks.md between
 * {@code <!-- soak -->} markers and a chart to docs/benchmarks/soak.png.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, description = "Retention soak: N runs through an engine with a short retention window.")
public final class SoakBenchmark implements Callable<Integer> {
  @Option(names = "--runs", defaultValue = "1000000", description = "Runs to send (default ${DEFAULT-VALUE}).")
  long runs;

  @Option(names = "--rate", defaultValue = "1000", description = "Requests per second (default ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--retention-s", defaultValue = "30", description = "The engine's retention window in seconds (default ${DEFAULT-VALUE}).")
  int retentionSeconds;

  @Option(names = "--sample-s", defaultValue = "10", description = "Seconds between samples (default ${DEFAULT-VALUE}).")
  int sampleSeconds;

  @Option(names = "--partitions", defaultValue = "6")
  int partitions;

  @Option(names = "--executor-threads", defaultValue = "64", description = "The engine's executor threads (default ${DEFAULT-VALUE}).")
  int executorThreads;

  @Option(names = "--engine-heap", defaultValue = "1g", description = "-Xmx of the engine JVM (default ${DEFAULT-VALUE}).")
  String engineHeap;

  @Option(names = "--docs", defaultValue = "docs/benchmarks.md")
  Path docs;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SoakBenchmark()).execute(args));
  }

  /** One SOAK_STATS line of the engine. */
  record Sample(long tMs, long heapBytes, long stateBytes, long storedRuns, long expired, long finished) {}

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("stepstream-soak");
    String prefix = "soak-" + System.currentTimeMillis();
    Process engine = null;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      Path log = dir.resolve("engine.log");
      engine = engine(bootstrap, prefix, dir, log);
      awaitReady(log, engine);
      long t0 = System.currentTimeMillis();
      try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
        long lastReport = 0;
        for (long i = 0; i < runs; i++) {
          long wait = t0 + i * 1000L / rate - System.currentTimeMillis();
          if (wait > 0) {
            Thread.sleep(wait);
          }
          String runId = "s-" + i;
          WorkflowRequest request = new WorkflowRequest(runId, "bench-noop-3", PayloadCodec.encode("x"), System.currentTimeMillis());
          producer.send(new ProducerRecord<>(prefix + ".requests", runId, Envelopes.encode(request)));
          if (System.currentTimeMillis() - lastReport > 30_000) {
            lastReport = System.currentTimeMillis();
            List<Sample> s = samples(log);
            System.out.println("  sent " + i + " / " + runs + (s.isEmpty() ? "" : "; engine: " + describe(s.get(s.size() - 1))));
          }
          if (!engine.isAlive()) {
            throw new IllegalStateException("the engine exited (" + engine.exitValue() + "); see " + log);
          }
        }
        producer.flush();
      }
      long sentMs = System.currentTimeMillis() - t0;
      System.out.println("all " + runs + " requests sent in " + sentMs + " ms; waiting for results and for the stores to drain");
      // every run finished, then two windows for them to expire, then a sample or two more
      long deadline = System.currentTimeMillis() + Math.max(600_000, runs / Math.max(1, rate / 2) * 1000);
      while (finished(log) < runs && System.currentTimeMillis() < deadline) {
        Thread.sleep(1_000);
      }
      long allFinishedMs = System.currentTimeMillis() - t0;
      Thread.sleep((2L * retentionSeconds + 3L * sampleSeconds) * 1000L);
      List<Sample> samples = samples(log);
      System.out.println();
      samples.forEach(s -> System.out.println(describe(s)));
      write(samples, sentMs, allFinishedMs);
      return finished(log) >= runs ? 0 : 1;
    } finally {
      if (engine != null) {
        engine.destroy(); // SIGTERM: it closes cleanly
        engine.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        engine.destroyForcibly();
      }
      Target.deleteRecursively(dir);
    }
  }

  private Process engine(String bootstrap, String prefix, Path dir, Path log) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-Xmx" + engineHeap, "-cp", System.getProperty("java.class.path"),
        BenchEngine.class.getName(), "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
        "--state-dir", dir.resolve("engine-state").toString(), "--partitions", Integer.toString(partitions),
        "--retention-s", Integer.toString(retentionSeconds), "--soak-stats-every-s", Integer.toString(sampleSeconds),
        // noop steps: a few threads suffice (BenchEngine's default of 1,200 is for slow steps, and creating them slows the start)
        "--executor-threads", Integer.toString(executorThreads)));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void awaitReady(Path log, Process engine) throws Exception {
    long deadline = System.currentTimeMillis() + 180_000;
    while (System.currentTimeMillis() < deadline && engine.isAlive()) {
      if (Files.exists(log) && Files.readString(log).contains("BENCH_ENGINE_READY")) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("engine not ready; see " + log);
  }

  static List<Sample> samples(Path log) throws IOException {
    List<Sample> samples = new ArrayList<>();
    if (!Files.exists(log)) {
      return samples;
    }
    try (var lines = Files.lines(log)) {
      lines.filter(l -> l.startsWith(SoakStats.PREFIX)).forEach(l -> {
        Map<String, String> m = SoakStats.counters(l.substring(SoakStats.PREFIX.length()));
        samples.add(new Sample(num(m, "t"), num(m, "heapAfterGcBytes"), num(m, "stateDirBytes"), num(m, "storedRuns"),
            num(m, "runsExpired"), num(m, "runsFinished")));
      });
    }
    return samples;
  }

  private static long num(Map<String, String> m, String key) {
    try {
      return Long.parseLong(m.getOrDefault(key, "-1"));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long finished(Path log) throws IOException {
    List<Sample> s = samples(log);
    return s.isEmpty() ? 0 : s.get(s.size() - 1).finished();
  }

  private static String describe(Sample s) {
    return String.format(Locale.ROOT, "t=%ds finished=%,d stored=%,d expired=%,d heapAfterGC=%d MiB state=%d MiB",
        s.tMs() / 1000, s.finished(), s.storedRuns(), s.expired(), s.heapBytes() >> 20, s.stateBytes() >> 20);
  }

  private void write(List<Sample> samples, long sentMs, long allFinishedMs) throws IOException {
    String begin = "<!-- soak -->";
    String end = "<!-- /soak -->";
    var machine = Environment.machine();
    long maxHeap = samples.stream().mapToLong(Sample::heapBytes).max().orElse(0);
    long maxState = samples.stream().mapToLong(Sample::stateBytes).max().orElse(0);
    long maxStored = samples.stream().mapToLong(Sample::storedRuns).max().orElse(0);
    StringBuilder b = new StringBuilder(begin).append("\n");
    b.append(String.format(Locale.ROOT, "### Retention soak (%,d runs, %d s retention)%n%n", runs, retentionSeconds));
    b.append("`load-tests/bench soak --runs ").append(runs).append(" --rate ").append(rate).append(" --retention-s ").append(retentionSeconds)
        .append("`, ").append(Instant.now()).append(", commit `").append(Environment.git(Path.of(".")).describe()).append("`, ")
        .append(machine.oneLine()).append(". Broker and generator in one JVM, the engine in its own (-Xmx").append(engineHeap)
        .append(", ").append(partitions).append(" partitions); the engine samples itself every ").append(sampleSeconds)
        .append(" s: heap used after System.gc() (its JVM only), its state dir on disk (du: RocksDB files, WAL, checkpoints),"
            + " stored runs (runs started less runs expired: exact for one instance started on empty state) and runs expired.\n\n");
    b.append(String.format(Locale.ROOT, "Sent at %,d runs/s for %,d s; every run finished after %,d s. Peak stored runs %,d (about rate x"
        + " (retention + time to finish + up to one expiry pass)); peak heap after GC %d MiB; peak state on disk %d MiB.%n%n",
        rate, sentMs / 1000, allFinishedMs / 1000, maxStored, maxHeap >> 20, maxState >> 20));
    b.append("![stored runs and state on disk over time](benchmarks/soak.png)\n\n");
    b.append("| t (s) | runs finished | stored runs | runs expired | heap after GC (MiB) | state dir (MiB) |\n|---|---|---|---|---|---|\n");
    int every = Math.max(1, samples.size() / 40); // at most ~40 rows; the chart has them all
    for (int i = 0; i < samples.size(); i++) {
      if (i % every != 0 && i != samples.size() - 1) {
        continue;
      }
      Sample s = samples.get(i);
      b.append(String.format(Locale.ROOT, "| %d | %,d | %,d | %,d | %d | %d |%n", s.tMs() / 1000, s.finished(), s.storedRuns(), s.expired(),
          s.heapBytes() >> 20, s.stateBytes() >> 20));
    }
    b.append(end);
    String text = Files.exists(docs) ? Files.readString(docs) : "# Stepstream benchmarks\n\n<!-- manual -->\n<!-- /manual -->\n";
    if (text.contains(begin)) {
      text = text.substring(0, text.indexOf(begin)) + b + text.substring(text.indexOf(end) + end.length());
    } else if (text.contains("<!-- /manual -->")) {
      text = text.replace("<!-- /manual -->", b + "\n\n<!-- /manual -->");
    } else {
      text = text + "\n" + b + "\n";
    }
    Files.writeString(docs, text);
    chart(docs.resolveSibling("benchmarks").resolve("soak.png"), samples);
  }

  /** Stored runs (left axis) and heap / state in MiB (right axis) over time. */
  private static void chart(Path file, List<Sample> samples) throws IOException {
    XYSeries stored = new XYSeries("stored runs");
    XYSeries heap = new XYSeries("heap after GC (MiB)");
    XYSeries state = new XYSeries("state dir (MiB)");
    for (Sample s : samples) {
      stored.add(s.tMs() / 1000.0, s.storedRuns());
      heap.add(s.tMs() / 1000.0, s.heapBytes() >> 20);
      state.add(s.tMs() / 1000.0, s.stateBytes() >> 20);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Retention soak", "seconds", "stored runs", new XYSeriesCollection(stored),
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    XYSeriesCollection mib = new XYSeriesCollection();
    mib.addSeries(heap);
    mib.addSeries(state);
    plot.setDataset(1, mib);
    plot.setRangeAxis(1, new NumberAxis("MiB"));
    plot.mapDatasetToRangeAxis(1, 1);
    XYLineAndShapeRenderer left = new XYLineAndShapeRenderer(true, false);
    left.setSeriesPaint(0, new Color(0x1f77b4));
    left.setSeriesStroke(0, new BasicStroke(2f));
    XYLineAndShapeRenderer right = new XYLineAndShapeRenderer(true, false);
    right.setSeriesPaint(0, new Color(0xd62728));
    right.setSeriesPaint(1, new Color(0x2ca02c));
    plot.setRenderer(0, left);
    plot.setRenderer(1, right);
    Files.createDirectories(file.getParent());
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 420);
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5),
        new StringSerializer(), new ByteArraySerializer());
  }
}
