package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.client.RunHandle;
import io.stepstream.client.Topics;
import io.stepstream.client.WorkflowClient;
import io.stepstream.examples.SupportWorkflows;
import io.stepstream.examples.SupportWorkflows.Reply;
import io.stepstream.examples.SupportWorkflows.Ticket;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.Results;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deploy/local test: {@code deploy/local/cluster.sh} starts a real 3-broker KRaft cluster
 * (RF 3, min ISR 2) and 2 engines ({@code stepstream.jar engine --workflows <example workflows>}) as
 * separate processes, exactly as a user runs it. Under a steady load of "support-triage" runs from a
 * {@link WorkflowClient} (10 runs/s for 45 s), the active controller (a broker leading partitions
 * too) is SIGKILLed at 6 s, one engine at 26 s, and both are restarted at 32 s. The report says how
 * many results arrived in each phase (no timing is asserted). Afterwards the results topic is read whole: every run has exactly one
 * committed result, COMPLETED, whose reply was computed from that run's own ticket; the client's
 * handles got those same results; nothing was dead-lettered. Results only read_uncommitted readers
 * saw (aborted transactions) are counted and reported, not failed: they are promised nothing.
 *
 * <p>Everything stays in {@code cli/target/local-cluster/} (the cluster dir: {@code logs/}, {@code
 * timeline.log}, {@code report.txt}). On failure the tail of every process log is printed.
 */
class LocalClusterIT {
  private static final Path DIR = Path.of("target", "local-cluster").toAbsolutePath();
  private static final Topics TOPICS = Topics.withPrefix("stepstream");
  private static final int RUNS_PER_SECOND = 10;
  private static final Duration LOAD = Duration.ofSeconds(45);
  /** After the load: how long every run has to get its result (the heal). */
  private static final Duration HEAL_BOUND = Duration.ofSeconds(120);
  private static final long T0 = System.nanoTime();

  /** Three kinds of ticket, so a reply built from another run's ticket shows in its category too. */
  private static final List<String[]> TEXTS = List.of(
      new String[] {"I want a refund for order %d", "billing"},
      new String[] {"the app shows an error on screen %d", "bug"},
      new String[] {"how do I export report %d?", "question"});

  private static String bootstrap;
  private static boolean passed;

  @BeforeAll
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  static void startTheClusterWithTheScript() throws Exception {
    deleteRecursively(DIR);
    Files.createDirectories(DIR);
    long started = System.nanoTime();
    script(Duration.ofMinutes(5), "start",
        "--jar", requiredFile("stepstream.jar").toString(),
        "--workflows", requiredFile("stepstream.workflows.jar").toString(),
        // a test JVM that dies must not leave 5 JVMs running
        "--owner-pid", Long.toString(ProcessHandle.current().pid()));
    bootstrap = Files.readString(DIR.resolve("bootstrap.servers")).trim();
    note("cluster started by the script in " + seconds(System.nanoTime() - started) + ", bootstrap " + bootstrap);
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  static void stopTheCluster() throws Exception {
    try {
      if (!passed) {
        dumpLogTails();
      }
    } finally {
      if (Files.exists(DIR.resolve("cluster.env"))) {
        script(Duration.ofMinutes(2), "stop");
      }
    }
  }

  @Test
  @Timeout(value = 7, unit = TimeUnit.MINUTES)
  void everyRunGetsExactlyOneConsistentResultWhileABrokerAndAnEngineAreKilledAndRestartedUnderLoad() throws Exception {
    Map<String, Long> faults = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    Map<String, long[]> phases = new LinkedHashMap<>();
    try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).build()) {
      // one run end to end first: the cluster works, and the JVMs' warm-up is not taken for a fault's effect
      long first = System.nanoTime();
      Ticket ticket = new Ticket("T-00000", "customer-0", "a first question");
      RunHandle handle = client.start(SupportWorkflows.TRIAGE, "lc-first-" + first, ticket);
      RunResult warmUp = handle.await(Duration.ofMinutes(2));
      assertThat(warmUp.status()).as(warmUp.toString()).isEqualTo(RunStatus.COMPLETED);
      note("first run answered in " + seconds(System.nanoTime() - first));
      Sent firstRun = new Sent(handle.runId(), ticket, "question", handle, first);
      try (Load load = new Load(client)) {
        // a broker alone first: with RF 3 and min ISR 2 runs must go on finishing without it
        load.sleepUntil(Duration.ofSeconds(6));
        int broker = activeController();
        script(Duration.ofSeconds(30), "kill-broker", Integer.toString(broker));
        long brokerKilled = System.nanoTime();
        faults.put("SIGKILL broker-" + broker + " (the active controller)", brokerKilled);

        load.sleepUntil(Duration.ofSeconds(26));
        script(Duration.ofSeconds(30), "kill-engine", "2");
        long engineKilled = System.nanoTime();
        faults.put("SIGKILL engine-2", engineKilled);

        // both come back together (on 2 cores a restart takes tens of seconds; one after the other
        // would double that), while the load goes on
        load.sleepUntil(Duration.ofSeconds(32));
        var restarts = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
          var engineBack = restarts.submit(() -> restart(faults, "engine-2", "restart-engine", "2"));
          var brokerBack = restarts.submit(() -> restart(faults, "broker-" + broker, "restart-broker", Integer.toString(broker)));
          engineBack.get(5, TimeUnit.MINUTES);
          brokerBack.get(5, TimeUnit.MINUTES);
        } finally {
          restarts.shutdownNow();
        }
        long bothBack = System.nanoTime();
        phases.put("before any fault", new long[] {load.startedAt, brokerKilled});
        phases.put("while broker-" + broker + " was down (both engines up)", new long[] {brokerKilled, engineKilled});
        phases.put("while broker-" + broker + " and engine-2 were down or restarting", new long[] {engineKilled, bothBack});
        phases.put("after both were back", new long[] {bothBack, Long.MAX_VALUE});

        load.finish();
        long healStart = System.nanoTime();
        note("load over: " + load.runs.size() + " runs sent in " + seconds(load.endedAt - load.startedAt)
            + "; waiting up to " + HEAL_BOUND.toSeconds() + " s for every result");
        boolean allAnswered = load.awaitAll(HEAL_BOUND);
        note((allAnswered ? "every run answered" : "NOT every run answered") + " " + seconds(System.nanoTime() - healStart) + " after the load ended");

        Report report = check(load, firstRun);
        String summary = report.summary(load, faults, phases);
        note(summary);
        Files.writeString(DIR.resolve("report.txt"), summary + "\n", StandardCharsets.UTF_8);
        assertThat(load.runs).as("runs sent").hasSizeGreaterThanOrEqualTo(RUNS_PER_SECOND * (int) LOAD.toSeconds() * 9 / 10);
        assertThat(report.anomalies).as(summary).isEmpty();
      }
    }
    passed = true;
  }

  // ---------------------------------------------------------------------------------------------
  // the load: "support-triage" runs at a steady rate, each with its own run id and ticket

  private record Sent(String runId, Ticket ticket, String expectedCategory, RunHandle handle, long sentAt) {}

  private static final class Load implements AutoCloseable {
    final Map<String, Sent> runs = new ConcurrentHashMap<>();
    final Map<String, Long> answeredAt = new ConcurrentHashMap<>();
    final long startedAt = System.nanoTime();
    volatile long endedAt;
    private final WorkflowClient client;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    private final String stamp = Long.toString(System.currentTimeMillis(), 36);

    Load(WorkflowClient client) {
      this.client = client;
      this.thread = new Thread(this::drive, "local-cluster-load");
      thread.setDaemon(true);
      thread.start();
      note("load: " + RUNS_PER_SECOND + " support-triage runs/s for " + LOAD.toSeconds() + " s");
    }

    private void drive() {
      int n = 0;
      while (!stop.get()) {
        long elapsed = System.nanoTime() - startedAt;
        if (elapsed >= LOAD.toNanos()) {
          break;
        }
        long due = elapsed * RUNS_PER_SECOND / 1_000_000_000L;
        while (n < due) {
          n++;
          String[] text = TEXTS.get(n % TEXTS.size());
          String runId = String.format("lc-%s-%05d", stamp, n);
          Ticket ticket = new Ticket(String.format("T-%05d", n), "customer-" + (n % 37), String.format(text[0], n));
          RunHandle handle = client.startAsync(SupportWorkflows.TRIAGE, runId, ticket);
          runs.put(runId, new Sent(runId, ticket, text[1], handle, System.nanoTime()));
          handle.result().whenComplete((r, e) -> answeredAt.put(runId, System.nanoTime()));
        }
        sleep(5);
      }
      endedAt = System.nanoTime();
    }

    void sleepUntil(Duration sinceStart) {
      long left = startedAt + sinceStart.toNanos() - System.nanoTime();
      if (left > 0) {
        sleep(TimeUnit.NANOSECONDS.toMillis(left));
      }
    }

    void finish() throws InterruptedException {
      thread.join(LOAD.toMillis() + 10_000);
      stop.set(true);
      thread.join();
      client.flush();
    }

    boolean awaitAll(Duration bound) {
      CompletableFuture<?>[] all = runs.values().stream().map(s -> s.handle.result()).toArray(CompletableFuture[]::new);
      try {
        CompletableFuture.allOf(all).get(bound.toMillis(), TimeUnit.MILLISECONDS);
        return true;
      } catch (Exception e) {
        return false; // reported per run by the check
      }
    }

    /** Stops sending (also when the test fails half-way, before the client closes). */
    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join();
    }

    /** Runs sent before {@code at} and answered after it: in flight at that moment. */
    long inFlightAt(long at) {
      return runs.values().stream()
          .filter(s -> s.sentAt <= at && answeredAt.getOrDefault(s.runId, Long.MAX_VALUE) > at).count();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the check: the results topic, read whole, against what was sent

  private record Anomaly(String type, String runId, String detail) {
    @Override
    public String toString() {
      return type + " " + runId + ": " + detail;
    }
  }

  private record Report(List<Anomaly> anomalies, int committed, int uncommitted, Map<String, Integer> abortedPerRun) {
    String summary(Load load, Map<String, Long> faults, Map<String, long[]> phases) {
      Map<String, Long> counts = new TreeMap<>();
      anomalies.forEach(a -> counts.merge(a.type, 1L, Long::sum));
      List<Long> latencies = load.runs.values().stream()
          .filter(s -> load.answeredAt.containsKey(s.runId))
          .map(s -> load.answeredAt.get(s.runId) - s.sentAt).sorted().toList();
      StringBuilder s = new StringBuilder();
      s.append("runs sent ").append(load.runs.size())
          .append(", answered to the client ").append(load.answeredAt.size())
          .append("; results topic: ").append(committed).append(" committed records, ")
          .append(uncommitted).append(" read_uncommitted (")
          .append(abortedPerRun.values().stream().mapToInt(Integer::intValue).sum()).append(" aborted, for ")
          .append(abortedPerRun.size()).append(" runs)")
          .append("; anomalies ").append(counts.isEmpty() ? "none" : counts);
      if (!latencies.isEmpty()) {
        s.append("\nrun latency (request sent -> result at the client): p50 ").append(ms(percentile(latencies, 50)))
            .append(", p99 ").append(ms(percentile(latencies, 99))).append(", max ").append(ms(latencies.get(latencies.size() - 1)));
      }
      faults.forEach((what, at) -> s.append("\n  +").append(seconds(at - load.startedAt)).append(" ").append(what)
          .append(": ").append(load.inFlightAt(at)).append(" runs in flight"));
      // the point of RF 3 / min ISR 2: runs go on finishing while a broker is down
      phases.forEach((what, window) -> s.append("\n  results received ").append(what)
          .append(window[1] == Long.MAX_VALUE ? "" : " (" + seconds(window[1] - window[0]) + ")").append(": ")
          .append(load.answeredAt.values().stream().filter(t -> t >= window[0] && t < window[1]).count()));
      Map<Long, Long> per10s = new TreeMap<>();
      load.answeredAt.values().forEach(t -> per10s.merge(TimeUnit.NANOSECONDS.toSeconds(t - load.startedAt) / 10 * 10, 1L, Long::sum));
      s.append("\n  results received per 10 s since the load began: ").append(per10s);
      Map<String, List<Anomaly>> byType = anomalies.stream().collect(Collectors.groupingBy(Anomaly::type, TreeMap::new, Collectors.toList()));
      byType.forEach((type, list) -> list.stream().limit(5).forEach(a -> s.append("\n  e.g. ").append(a)));
      return s.toString();
    }
  }

  private static Report check(Load load, Sent firstRun) {
    List<ConsumerRecord<String, byte[]>> committed = readWholeTopic(TOPICS.results(), "read_committed");
    List<ConsumerRecord<String, byte[]>> uncommitted = readWholeTopic(TOPICS.results(), "read_uncommitted");
    List<Anomaly> anomalies = new ArrayList<>();

    Map<String, List<RunResult>> results = new TreeMap<>();
    for (ConsumerRecord<String, byte[]> r : committed) {
      RunResult result = Results.toRunResult(Envelopes.result(r.value()));
      if (!Objects.equals(result.runId(), r.key())) {
        anomalies.add(new Anomaly("WRONG_KEY", r.key(), "a result for run " + result.runId() + " keyed " + r.key()));
      }
      results.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(result);
    }
    Map<String, Integer> perRunUncommitted = new TreeMap<>();
    uncommitted.forEach(r -> perRunUncommitted.merge(r.key(), 1, Integer::sum));
    Map<String, Integer> abortedPerRun = new TreeMap<>();
    perRunUncommitted.forEach((run, n) -> {
      int aborted = n - results.getOrDefault(run, List.of()).size();
      if (aborted > 0) {
        abortedPerRun.put(run, aborted);
      }
    });

    List<Sent> all = new ArrayList<>(load.runs.values());
    all.add(firstRun);
    for (Sent sent : all) {
      CompletableFuture<RunResult> future = sent.handle.result();
      if (future.isCompletedExceptionally()) {
        String why = future.handle((r, e) -> String.valueOf(e)).join();
        anomalies.add(new Anomaly("NOT_WRITTEN", sent.runId, "the request was not acknowledged: " + why));
        continue;
      }
      List<RunResult> mine = results.getOrDefault(sent.runId, List.of());
      if (mine.isEmpty()) {
        anomalies.add(new Anomaly("NO_RESULT", sent.runId, "no committed result after the heal"
            + (abortedPerRun.containsKey(sent.runId) ? " (only aborted ones)" : "")));
        continue;
      }
      if (mine.size() > 1) {
        anomalies.add(new Anomaly("DUPLICATE", sent.runId, mine.size() + " committed results"));
      }
      for (RunResult result : mine) {
        if (result.status() != RunStatus.COMPLETED) {
          anomalies.add(new Anomaly("NOT_COMPLETED", sent.runId, result.toString()));
          continue;
        }
        String inconsistency = inconsistency(sent, result.output(Reply.class));
        if (inconsistency != null) {
          anomalies.add(new Anomaly("INCONSISTENT", sent.runId, inconsistency));
        }
      }
      RunResult seen = future.getNow(null);
      if (seen == null) {
        anomalies.add(new Anomaly("CLIENT_NOT_ANSWERED", sent.runId, "committed, but the client's handle never completed"));
      } else if (!sameResult(seen, mine.get(0))) {
        anomalies.add(new Anomaly("CLIENT_DISAGREES", sent.runId, "client got " + seen + ", topic has " + mine.get(0)));
      }
    }
    results.keySet().stream().filter(run -> !load.runs.containsKey(run) && !run.equals(firstRun.runId()))
        .forEach(run -> anomalies.add(new Anomaly("UNKNOWN_RUN", run, "a result for a run this test never started")));
    // Every request here is valid: a committed dead letter is an engine error (or a lost request).
    for (ConsumerRecord<String, byte[]> r : readWholeTopic(TOPICS.deadLetters(), "read_committed")) {
      anomalies.add(new Anomaly("DEAD_LETTER", r.key(), "on " + TOPICS.deadLetters() + ": " + headers(r)));
    }
    return new Report(anomalies, committed.size(), uncommitted.size(), abortedPerRun);
  }

  private static String headers(ConsumerRecord<String, byte[]> r) {
    List<String> h = new ArrayList<>();
    r.headers().forEach(x -> h.add(x.key() + "=" + (x.value() == null ? "" : new String(x.value(), StandardCharsets.UTF_8))));
    return String.join(", ", h);
  }

  /** RunResult's output is an EncodedValue without equals: compare what it says. */
  private static boolean sameResult(RunResult a, RunResult b) {
    return a.runId().equals(b.runId()) && a.status() == b.status() && a.outputText().equals(b.outputText())
        && Objects.equals(a.finishedAt(), b.finishedAt());
  }

  /** The reply must have been computed from this run's own ticket, in this run (its idempotency key). */
  private static String inconsistency(Sent sent, Reply reply) {
    if (reply == null) {
      return "COMPLETED without a reply";
    }
    if (!sent.ticket.id().equals(reply.ticketId())) {
      return "reply for ticket " + reply.ticketId() + ", the run's ticket is " + sent.ticket.id();
    }
    if (!sent.expectedCategory.equals(reply.category())) {
      return "category " + reply.category() + " for \"" + sent.ticket.text() + "\" (expected " + sent.expectedCategory + ")";
    }
    String text = reply.reply();
    if (!text.startsWith("[" + sent.expectedCategory + "]")
        || !text.contains(sent.ticket.customer() + " has been a customer")
        || !text.contains("reply " + sent.runId + "/draft-reply")) {
      return "reply text not built from this run's steps: " + text;
    }
    return null;
  }

  /** Every record of a topic up to its current end (read_committed: its last stable offset). */
  private static List<ConsumerRecord<String, byte[]>> readWholeTopic(String topic, String isolation) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Duration timeout = Duration.ofSeconds(60);
    try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime()).as("reading " + topic + " " + isolation + " to " + end).isLessThan(deadline);
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the cluster, through the script

  /** The broker the test kills: the active controller, which also leads about a third of the partitions. */
  private static int activeController() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
    }
  }

  private static Void restart(Map<String, Long> faults, String name, String... args) throws Exception {
    long started = System.nanoTime();
    script(Duration.ofMinutes(4), args);
    faults.put(name + " back (its restart took " + seconds(System.nanoTime() - started) + ")", System.nanoTime());
    return null;
  }

  /** Runs {@code cluster.sh <args> --dir DIR}, echoing its output, and fails on a non-zero exit. */
  private static void script(Duration timeout, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", requiredFile("stepstream.cluster.script").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--dir", DIR.toString()));
    note("$ cluster.sh " + String.join(" ", args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    StringBuilder output = new StringBuilder();
    Thread pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          output.append(line).append('\n');
          note("  " + (args[0].equals("start") ? "" : "[" + String.join(" ", args) + "] ") + line);
        }
      } catch (IOException e) {
        output.append(e);
      }
    }, "cluster.sh-output");
    pump.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("cluster.sh " + String.join(" ", args) + " did not finish within " + timeout);
    }
    pump.join(10_000);
    if (process.exitValue() != 0) {
      throw new IllegalStateException("cluster.sh " + String.join(" ", args) + " failed (exit " + process.exitValue() + "):\n" + output);
    }
  }

  private static void dumpLogTails() {
    Path logs = DIR.resolve("logs");
    if (!Files.isDirectory(logs)) {
      return;
    }
    try (Stream<Path> files = Files.list(logs)) {
      for (Path log : files.sorted().toList()) {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        System.out.println("----- last 80 lines of " + log);
        lines.subList(Math.max(0, lines.size() - 80), lines.size()).forEach(System.out::println);
      }
    } catch (IOException e) {
      System.out.println("could not read the logs in " + logs + ": " + e);
    }
  }

  private static Path requiredFile(String property) {
    String value = System.getProperty(property);
    assertThat(value).as("system property " + property + " (set by failsafe in cli/pom.xml)").isNotBlank();
    Path path = Path.of(value).toAbsolutePath().normalize();
    assertThat(path).as(property + " (run mvn package first)").isRegularFile();
    return path;
  }

  private static void note(String what) {
    String line = String.format("%7.1fs %s", (System.nanoTime() - T0) / 1e9, what);
    System.out.println("[local-cluster] " + line);
    try {
      Files.createDirectories(DIR);
      Files.writeString(DIR.resolve("timeline.log"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.out.println("[local-cluster] (timeline.log: " + e + ")");
    }
  }

  private static long percentile(List<Long> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }

  private static String ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
  }

  private static String seconds(long nanos) {
    return String.format("%.1f s", nanos / 1e9);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
