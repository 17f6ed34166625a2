package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.avro.AuditEventType;
import io.stepstream.fault.TopicDump.Isolation;
import io.stepstream.internal.codec.Envelopes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9, item 2: records placed by a non-Java client. librdkafka's default partitioner
 * (consistent_random, CRC32 of the key) puts most run ids on another partition than Java's murmur2,
 * which is where the engine writes everything of a run. A Python user (Debian's
 * python3-confluent-kafka) starts 30 runs of the chain and 10 runs that wait for an event, then sends
 * those events the same way. Every run must finish exactly once, and, nothing being killed, each
 * step's side effect must have run exactly once per idempotency key.
 *
 * <p>Needs python3 with confluent_kafka: {@code apt-get install python3-confluent-kafka} (CI installs
 * it; see .ci/run). Without it this test fails, it does not skip.
 */
@Timeout(240)
class PythonClientIT {
  private static final int PARTITIONS = 6;

  @Test
  void requestsAndEventsProducedWithLibrdkafkasDefaultPartitionerFinishExactlyOnce() throws Exception {
    String python = pythonWithConfluentKafka();
    try (FaultCluster cluster = FaultCluster.start("PythonClientIT", FaultCluster.Settings.defaults())) {
      cluster.startInstances("e1");
      List<String> chains = IntStream.range(0, 30).mapToObj(i -> "py-chain-" + i).toList();
      List<String> waiting = IntStream.range(0, 10).mapToObj(i -> "py-signal-" + i).toList();
      List<String> specs = new ArrayList<>();
      chains.forEach(r -> specs.add(r + "=" + ChaosWorkflow.CHAIN));
      waiting.forEach(r -> specs.add(r + "=" + ChaosWorkflow.SIGNALLED));
      Map<String, Integer> placed = produce(cluster, python, "requests", cluster.topics().requests(), specs);
      Set<String> requested = new TreeSet<>(placed.keySet());
      assertThat(requested).as("every request acknowledged").hasSize(40);
      Map<String, Integer> elsewhere = placed.entrySet().stream()
          .filter(e -> e.getValue() != javaPartition(e.getKey()))
          .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
      cluster.note(elsewhere.size() + " of 40 requests landed on another partition than Java's murmur2 would choose");
      assertThat(elsewhere).as("the test must place records where a Java client would not").isNotEmpty();

      // events are sent once the runs wait (or after a bound: the runs may never get there)
      Set<String> waitingNow = awaitWaiting(cluster, waiting, Duration.ofSeconds(15));
      cluster.note(waitingNow.size() + " of " + waiting.size() + " signal runs are waiting for their event");
      Map<String, Integer> signals = produce(cluster, python, "signals", cluster.topics().signals(),
          concat(List.of(ChaosWorkflow.SIGNAL, ChaosWorkflow.SIGNAL_DATA), waiting));
      assertThat(signals).as("every event acknowledged").hasSize(waiting.size());

      Checker.Report report = cluster.healAndCheck(requested, Duration.ofSeconds(60), true);

      assertThat(report.counts()).as(report.summary()).isEmpty();
    }
  }

  private static int javaPartition(String key) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
  }

  /** Runs the Python producer; returns run id -> partition of every acknowledged record. */
  private static Map<String, Integer> produce(FaultCluster cluster, String python, String mode, String topic, List<String> args)
      throws Exception {
    Path script = Path.of(PythonClientIT.class.getResource("/python/produce.py").toURI());
    List<String> command = new ArrayList<>(List.of(python, script.toString(), cluster.bootstrap(), mode, topic));
    command.addAll(args);
    Path log = cluster.dir().resolve("python-" + mode + ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("the Python producer did not finish within 90 s:\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    cluster.note("python " + mode + " exited " + p.exitValue() + ": " + output.lines().findFirst().orElse(""));
    assertThat(p.exitValue()).as("the Python producer failed:\n" + output).isZero();
    Map<String, Integer> acked = new HashMap<>();
    output.lines().filter(l -> l.startsWith("ACK ")).map(l -> l.split(" ")).forEach(f -> acked.put(f[1], Integer.parseInt(f[2])));
    return acked;
  }

  private static Set<String> awaitWaiting(FaultCluster cluster, List<String> runs, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    Set<String> waiting = Set.of();
    while (System.nanoTime() < deadline) {
      waiting = TopicDump.read(cluster.bootstrap(), cluster.topics().events(), Isolation.READ_COMMITTED, Duration.ofSeconds(30)).stream()
          .map(r -> Envelopes.auditEvent(r.value()))
          .filter(e -> e.getType() == AuditEventType.RUN_WAITING && runs.contains(e.getRunId()))
          .map(e -> e.getRunId().toString())
          .collect(Collectors.toSet());
      if (waiting.size() == runs.size()) {
        break;
      }
      Thread.sleep(500);
    }
    return waiting;
  }

  /**
   * A python3 that can import confluent_kafka: Debian's /usr/bin/python3 first (where apt installs the
   * module), then python3 on the PATH.
   */
  static String pythonWithConfluentKafka() throws InterruptedException {
    List<String> tried = new ArrayList<>();
    for (String candidate : List.of("/usr/bin/python3", "python3")) {
      try {
        Process p = new ProcessBuilder(candidate, "-c", "import confluent_kafka").redirectErrorStream(true).start();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return candidate;
        }
        tried.add(candidate + ": " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
      } catch (IOException e) {
        tried.add(candidate + ": " + e.getMessage());
      }
    }
    throw new AssertionError("PythonClientIT needs python3 with the confluent_kafka module (librdkafka): "
        + "run `apt-get install python3-confluent-kafka` (CI's .ci/run does). Tried " + tried);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
