package io.stepstream.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Cumulative counters a benchmark reads before and after a phase and subtracts: per topic, the sum of
 * the partitions' end offsets (records written, transaction markers included: each takes an offset)
 * and the bytes on disk of all replicas (what the cluster stored, replication included); per
 * process, CPU time from {@code /proc/<pid>/stat}.
 */
final class ClusterCounters {
  /** Linux clock ticks per second (USER_HZ); 100 on every common kernel build. */
  private static final double TICKS_PER_S = 100.0;

  private ClusterCounters() {}

  /** Per topic: {records, bytes of all replicas}. Internal topics included. */
  static Map<String, long[]> topics(Admin admin) throws Exception {
    List<String> names = new ArrayList<>(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get());
    Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
    Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
    described.values().forEach(d -> d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
    Map<String, long[]> m = new TreeMap<>();
    admin.listOffsets(latest).all().get().forEach((tp, info) -> m.computeIfAbsent(tp.topic(), t -> new long[2])[0] += info.offset());
    List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(org.apache.kafka.common.Node::id).collect(Collectors.toList());
    for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
      for (LogDirDescription dir : dirs.values()) {
        for (Map.Entry<TopicPartition, ReplicaInfo> r : dir.replicaInfos().entrySet()) {
          m.computeIfAbsent(r.getKey().topic(), t -> new long[2])[1] += r.getValue().size();
        }
      }
    }
    return m;
  }

  /** after - before, per topic (topics created in between count from zero). */
  static Map<String, long[]> delta(Map<String, long[]> before, Map<String, long[]> after) {
    Map<String, long[]> d = new TreeMap<>();
    after.forEach((topic, a) -> {
      long[] b = before.getOrDefault(topic, new long[2]);
      d.put(topic, new long[] {a[0] - b[0], a[1] - b[1]});
    });
    return d;
  }

  /** CPU seconds (user + system) a process has used so far; -1 if it is gone. */
  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_S;
    } catch (Exception e) {
      return -1;
    }
  }

  /** The 1-minute load average now (/proc/loadavg). */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "unknown";
    }
  }
}
