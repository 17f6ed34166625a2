package io.stepstream.loadtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads by what they do, from /proc/self/task (Linux; empty elsewhere).
 * Covers threads the JVM does not list through ThreadMXBean (JIT compilers, GC). Thread names are
 * the kernel's, cut to 15 characters, which is enough to tell the broker, the engine, the JIT and
 * the GC apart.
 */
final class ThreadCpu {
  private ThreadCpu() {}

  /** Clock ticks (1/100 s) of user + system time per kernel thread name (digits folded). */
  static Map<String, Long> snapshot() {
    return snapshot(Path.of("/proc/self/task"));
  }

  /** The same for another process (a child JVM). */
  static Map<String, Long> snapshot(long pid) {
    return snapshot(Path.of("/proc/" + pid + "/task"));
  }

  private static Map<String, Long> snapshot(Path tasks) {
    Map<String, Long> m = new HashMap<>();
    if (!Files.isDirectory(tasks)) {
      return m;
    }
    try (Stream<Path> dirs = Files.list(tasks)) {
      dirs.forEach(dir -> {
        try {
          String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          m.merge(comm.replaceAll("[0-9]+", "N"), ticks, Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      });
    } catch (IOException e) {
      // not Linux
    }
    return m;
  }

  /** CPU seconds per component between two snapshots, largest first. Threads that ended in between are not counted. */
  static Map<String, Double> byComponent(Map<String, Long> before, Map<String, Long> after, String streamThreadPrefix) {
    Map<String, Double> sums = new HashMap<>();
    after.forEach((name, ticks) -> {
      long d = ticks - before.getOrDefault(name, 0L);
      if (d > 0) {
        sums.merge(component(name, streamThreadPrefix), d / 100.0, Double::sum);
      }
    });
    Map<String, Double> sorted = new LinkedHashMap<>();
    sums.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> sorted.put(e.getKey(), Math.round(e.getValue() * 100) / 100.0));
    return sorted;
  }

  static String component(String name, String streamThreadPrefix) {
    // names were folded (digits -> N) and cut to 15 characters by the kernel: compare the same way
    String streams = streamThreadPrefix.replaceAll("[0-9]+", "N");
    streams = streams.substring(0, Math.min(streams.length(), 15));
    if (name.contains("CompilerThre")) {
      return "JIT compiler";
    }
    if (name.startsWith("GC ") || name.startsWith("GN ") || name.startsWith("VM ") || name.equals("Sweeper thread")
        || name.equals("Service Thread") || name.startsWith("Monitor Deflati") || name.startsWith("Reference Handl")
        || name.equals("Finalizer") || name.equals("Common-Cleaner") || name.startsWith("Signal Dispatch") || name.startsWith("Notification Th")) {
      return "GC and VM";
    }
    if (!streams.isEmpty() && name.startsWith(streams) || name.startsWith("rocksdb:")) {
      return "engine: Kafka Streams threads (orchestrator)";
    }
    if (name.startsWith("stepstream-exec")) {
      return "engine: executor threads";
    }
    if (name.startsWith("kafka-producer-")) {
      return "producer I/O threads (engine + client)";
    }
    if (name.startsWith("stepstream-clie") || name.equals("java") || name.startsWith("bench-progress")) {
      return "load generator and client";
    }
    if (name.startsWith("data-plane") || name.startsWith("kafka-") && !name.startsWith("kafka-admin") || name.startsWith("quorum")
        || name.startsWith("group-coord") || name.startsWith("AddPartitions") || name.startsWith("TxnMarker") || name.startsWith("ExpirationRea")
        || name.startsWith("controller-") || name.startsWith("broker-") || name.startsWith("raft-") || name.startsWith("executor-")
        || name.startsWith("share-") || name.startsWith("transaction-") || name.startsWith("LogDirFailure") || name.startsWith("metrics-meter")
        || name.startsWith("client-metrics") || name.startsWith("SensorExpiry") || name.startsWith("PersisterState") || name.startsWith("ShareGroup")) {
      return "broker";
    }
    return "other JVM threads";
  }
}
