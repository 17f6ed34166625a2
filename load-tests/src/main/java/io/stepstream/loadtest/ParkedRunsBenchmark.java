package io.stepstream.loadtest;

import io.stepstream.ApprovalRequest;
import io.stepstream.engine.Stepstream;
import io.stepstream.client.WorkflowClient;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.devkafka.EmbeddedKafka;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Many runs parked at once, on one embedded broker and one engine instance:
 *
 * <ul>
 *   <li>{@code timers}: N runs sleep until due times spread over a window; reports how late each
 *       timer fired (from the engine's TIMER_FIRED audit events), with heap and disk used while all
 *       N are pending.
 *   <li>{@code approvals}: N runs wait for an approval; reports time to park them, heap and disk,
 *       restart time (local state kept) and restore time (local state deleted, rebuilt from the
 *       changelogs), then an auto-approver answers every request and the time until the last result.
 * </ul>
 *
 * Writes its section of docs/benchmarks.md between {@code <!-- parked:KIND -->} markers.
 */
@Command(name = "parked", mixinStandardHelpOptions = true, description = "Benchmarks of many parked runs: timers or approvals.")
public final class ParkedRunsBenchmark implements Callable<Integer> {
  private static final String SECRET = "parked-benchmark-secret";

  @Option(names = "--kind", required = true, description = "timers | approvals")
  String kind;

  @Option(names = "--runs", defaultValue = "100000")
  int runs;

  @Option(names = "--spread-s", defaultValue = "60", description = "timers: due times spread over this many seconds")
  int spreadSeconds;

  @Option(names = "--no-fire", description = "timers: park only, do not wait for them to fire (heap/disk at large counts)")
  boolean noFire;

  @Option(names = "--partitions", defaultValue = "6")
  int partitions;

  @Option(names = "--docs", defaultValue = "docs/benchmarks.md")
  Path docs;

  private Path dir;
  private final List<String> lines = new ArrayList<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new ParkedRunsBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    dir = Files.createTempDirectory("stepstream-parked");
    String prefix = "parked-" + System.currentTimeMillis();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      boolean ok = kind.equals("timers") ? timers(kafka.bootstrapServers(), prefix) : approvals(kafka.bootstrapServers(), prefix);
      writeDocs();
      return ok ? 0 : 1;
    } finally {
      deleteQuietly(dir);
    }
  }

  private Stepstream.Builder engine(String bootstrap, String prefix, Path state) {
    return Stepstream.builder()
        .bootstrapServers(bootstrap)
        .topicPrefix(prefix)
        .stateDir(state)
        .partitions(partitions)
        .approvalSecret(SECRET)
        .register("sleeper", Long.class, (ctx, dueAt) -> {
          ctx.sleepUntil("until", Instant.ofEpochMilli(dueAt));
          return "woke";
        })
        .register("approval", String.class, (ctx, in) ->
            ctx.awaitApproval("ok", ApprovalRequest.of("approve " + in + "?"), Duration.ofDays(7)).approved() ? "approved" : "rejected");
  }

  private boolean timers(String bootstrap, String prefix) throws Exception {
    long t0 = System.currentTimeMillis();
    // all due times lie after the parking phase, so every timer is pending before the first is due
    long parkBudgetMs = Math.max(60_000, runs * 3L);
    long firstDue = t0 + parkBudgetMs;
    try (Stepstream engine = engine(bootstrap, prefix, dir.resolve("state")).build().start();
        EventCounter events = new EventCounter(bootstrap, engine.topics().events())) {
      WorkflowClient client = engine.client();
      warmUp(client);
      long sendStart = System.currentTimeMillis();
      for (int i = 0; i < runs; i++) {
        client.startAsync("sleeper", "t-" + i, firstDue + (long) i * spreadSeconds * 1000 / runs);
      }
      client.flush();
      events.awaitCount(AuditEventType.RUN_WAITING, runs, Duration.ofMillis(parkBudgetMs));
      long parkedAt = System.currentTimeMillis();
      Measure m = measure();
      line("kind", "timers");
      line("runs", runs);
      line("time to park all (request sent -> RUN_WAITING committed)", (parkedAt - sendStart) + " ms (" + rate(runs, parkedAt - sendStart) + " runs/s)");
      line("heap used with all pending, after GC", m.heapMb + " MiB (max heap " + m.maxHeapMb + " MiB)");
      line("engine state on disk (RocksDB)", m.stateMb + " MiB; broker log " + m.brokerMb + " MiB");
      if (parkedAt > firstDue) {
        line("warning", "parking took longer than the budget: the first timers were due before all were pending");
      }
      if (noFire) {
        return true;
      }
      long lastDue = firstDue + spreadSeconds * 1000L;
      events.awaitCount(AuditEventType.TIMER_FIRED, runs, Duration.ofMillis(lastDue - System.currentTimeMillis() + 120_000));
      Histogram lateness = events.lateness();
      line("timers fired", lateness.getTotalCount() + " of " + runs + " (each fired once: " + (events.count(AuditEventType.TIMER_FIRED) == runs) + ")");
      line("lateness ms p50 / p90 / p99 / max",
          lateness.getValueAtPercentile(50) + " / " + lateness.getValueAtPercentile(90) + " / " + lateness.getValueAtPercentile(99) + " / " + lateness.getMaxValue());
      line("due-time rate", rate(runs, spreadSeconds * 1000L) + " timers/s over " + spreadSeconds + " s");
      events.awaitCount(AuditEventType.RUN_COMPLETED, runs, Duration.ofSeconds(120));
      line("runs completed", events.count(AuditEventType.RUN_COMPLETED));
      return lateness.getTotalCount() == runs;
    }
  }

  private boolean approvals(String bootstrap, String prefix) throws Exception {
    Path state = dir.resolve("state");
    long sendStart;
    long parkedAt;
    try (Stepstream engine = engine(bootstrap, prefix, state).build().start();
        EventCounter events = new EventCounter(bootstrap, engine.topics().events())) {
      WorkflowClient client = engine.client();
      warmUp(client);
      sendStart = System.currentTimeMillis();
      for (int i = 0; i < runs; i++) {
        client.startAsync("approval", "a-" + i, "item " + i);
      }
      client.flush();
      events.awaitCount(AuditEventType.APPROVAL_REQUESTED, runs, Duration.ofMinutes(30));
      parkedAt = System.currentTimeMillis();
      Measure m = measure();
      line("kind", "approvals");
      line("runs", runs);
      line("time to park all (request sent -> APPROVAL_REQUESTED committed)", (parkedAt - sendStart) + " ms (" + rate(runs, parkedAt - sendStart) + " runs/s)");
      line("heap used with all parked, after GC", m.heapMb + " MiB (max heap " + m.maxHeapMb + " MiB)");
      line("engine state on disk (RocksDB)", m.stateMb + " MiB; broker log " + m.brokerMb + " MiB");
    }
    long restart = timeToRunning(bootstrap, prefix, state);
    line("restart with local state kept (start -> RUNNING)", restart + " ms");
    deleteQuietly(state);
    long restore = timeToRunning(bootstrap, prefix, state);
    line("restore with local state deleted (start -> RUNNING, stores rebuilt from changelogs)", restore + " ms");

    try (Stepstream engine = engine(bootstrap, prefix, state).build().start();
        EventCounter events = new EventCounter(bootstrap, engine.topics().events())) {
      AtomicLong results = new AtomicLong();
      AutoCloseable sub = engine.client().subscribe(r -> results.incrementAndGet());
      long approveStart = System.currentTimeMillis();
      // the auto-approver signs with the shared secret, as an automated approval service would; raw sends,
      // not WorkflowClient.approve, which waits for each acknowledgement
      var tokens = io.stepstream.internal.approvals.ApprovalTokens.withSecret(SECRET.getBytes());
      try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
        for (int i = 0; i < runs; i++) {
          var decision = io.stepstream.avro.ApprovalDecision.newBuilder().setRunId("a-" + i).setApprovalName("ok").setApproved(true)
              .setApprover("auto").setToken(tokens.sign("a-" + i, "ok", java.time.Instant.now().plus(java.time.Duration.ofHours(24))))
              .setDecidedAt(System.currentTimeMillis()).build();
          producer.send(new ProducerRecord<>(engine.topics().approvals(), "a-" + i, Envelopes.encode(decision)));
        }
        producer.flush();
      }
      events.awaitCount(AuditEventType.RUN_COMPLETED, runs, Duration.ofMinutes(30));
      long done = System.currentTimeMillis();
      sub.close();
      line("approve all (first decision sent -> last RUN_COMPLETED committed)", (done - approveStart) + " ms (" + rate(runs, done - approveStart) + " runs/s)");
      line("approvals applied", events.count(AuditEventType.APPROVAL_DECIDED) + " of " + runs);
      return events.count(AuditEventType.RUN_COMPLETED) >= runs; // plus the warm-up runs
    }
  }

  /**
   * Start() returns when the group is RUNNING; tasks may still be opening or restoring their stores.
   * Wait until a run on every partition has completed, i.e. every task processes again.
   */
  private void warmUp(WorkflowClient client) {
    Set<Integer> covered = new java.util.HashSet<>();
    List<io.stepstream.client.RunHandle> handles = new ArrayList<>();
    long salt = System.nanoTime();
    for (int i = 0; covered.size() < partitions && i < 10_000; i++) {
      String runId = "warm-up-" + salt + "-" + i;
      int p = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(runId.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
      if (covered.add(p)) {
        handles.add(client.startAsync("sleeper", runId, System.currentTimeMillis()));
      }
    }
    client.flush();
    handles.forEach(h -> h.await(Duration.ofMinutes(5)));
  }

  private long timeToRunning(String bootstrap, String prefix, Path state) {
    long start = System.currentTimeMillis();
    try (Stepstream engine = engine(bootstrap, prefix, state).build().start()) {
      warmUp(engine.client()); // until the restored tasks process records again
      return System.currentTimeMillis() - start;
    }
  }

  private record Measure(long heapMb, long maxHeapMb, long stateMb, long brokerMb) {}

  private Measure measure() throws IOException {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return new Measure(heap.getUsed() >> 20, heap.getMax() >> 20, size(dir.resolve("state")) >> 20, size(dir.resolve("kafka")) >> 20);
  }

  private void line(String what, Object value) {
    String line = "| " + what + " | " + value + " |";
    lines.add(line);
    System.out.println(what + ": " + value);
  }

  private void writeDocs() throws IOException {
    var machine = Environment.machine();
    String begin = "<!-- parked:" + kind + " -->";
    String end = "<!-- /parked:" + kind + " -->";
    StringBuilder section = new StringBuilder(begin).append("\n");
    section.append("### Parked runs: ").append(kind).append(" (").append(String.format(Locale.ROOT, "%,d", runs)).append(" runs)\n\n");
    section.append("`load-tests/bench parked --kind ").append(kind).append(" --runs ").append(runs).append(noFire ? " --no-fire" : "").append("`, ")
        .append(Instant.now()).append(", commit `").append(Environment.git(Path.of(".")).describe()).append("`, ")
        .append(machine.oneLine()).append(", JVM max heap ").append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB. ")
        .append("Embedded single broker and one engine instance in one JVM.\n\n| measure | value |\n|---|---|\n");
    lines.forEach(l -> section.append(l).append("\n"));
    section.append(end);
    String text = Files.exists(docs) ? Files.readString(docs) : "# Stepstream benchmarks\n\n<!-- manual -->\n<!-- /manual -->\n";
    if (text.contains(begin)) {
      text = text.substring(0, text.indexOf(begin)) + section + text.substring(text.indexOf(end) + end.length());
    } else if (text.contains("<!-- /manual -->")) {
      text = text.replace("<!-- /manual -->", section + "\n\n<!-- /manual -->");
    } else {
      text = text + "\n" + section + "\n";
    }
    Files.writeString(docs, text);
  }

  private static String rate(long n, long ms) {
    return String.format(Locale.ROOT, "%,.0f", n * 1000.0 / Math.max(1, ms));
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5),
        new StringSerializer(), new ByteArraySerializer());
  }

  /** Bytes actually allocated on disk (du): Kafka preallocates sparse index files, so file lengths overstate. */
  private static long size(Path p) throws IOException {
    if (!Files.exists(p)) {
      return 0;
    }
    try {
      Process du = new ProcessBuilder("du", "-sk", p.toString()).redirectErrorStream(true).start();
      String out = new String(du.getInputStream().readAllBytes()).trim();
      du.waitFor();
      return Long.parseLong(out.split("\\s+")[0]) * 1024;
    } catch (InterruptedException | NumberFormatException e) {
      return -1;
    }
  }

  private static void deleteQuietly(Path p) {
    try (Stream<Path> files = Files.walk(p)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // best effort
    }
  }

  /** Tails the events topic (read_committed) and counts event types per distinct run. */
  private static final class EventCounter implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<AuditEventType, Set<String>> runsByType = new ConcurrentHashMap<>();
    private final Histogram lateness = new Histogram(3_600_000L, 3);
    private final Thread thread;
    private volatile boolean closed;

    EventCounter(String bootstrap, String topic) {
      consumer = new KafkaConsumer<>(
          Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
              ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
          new StringDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> tps = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      thread = new Thread(this::loop, "event-counter");
      thread.setDaemon(true);
      thread.start();
    }

    private void loop() {
      while (!closed) {
        for (var r : consumer.poll(Duration.ofMillis(100))) {
          AuditEvent e = Envelopes.auditEvent(r.value());
          boolean first = runsByType.computeIfAbsent(e.getType(), t -> ConcurrentHashMap.newKeySet()).add(e.getRunId());
          if (e.getType() == AuditEventType.TIMER_FIRED && first && e.getLateByMs() != null) {
            synchronized (lateness) {
              lateness.recordValue(Math.max(0, e.getLateByMs()));
            }
          }
        }
      }
      consumer.close();
    }

    long count(AuditEventType type) {
      return runsByType.getOrDefault(type, Set.of()).size();
    }

    void awaitCount(AuditEventType type, long n, Duration timeout) throws InterruptedException {
      long deadline = System.currentTimeMillis() + timeout.toMillis();
      long lastReport = 0;
      while (count(type) < n) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("only " + count(type) + " of " + n + " " + type + " events within " + timeout);
        }
        if (System.currentTimeMillis() - lastReport > 10_000) {
          lastReport = System.currentTimeMillis();
          System.out.println("  " + type + ": " + count(type) + " / " + n);
        }
        Thread.sleep(50);
      }
    }

    Histogram lateness() {
      synchronized (lateness) {
        return lateness.copy();
      }
    }

    @Override
    public void close() throws InterruptedException {
      closed = true;
      thread.join(5_000);
    }
  }
}
