package io.stepstream.loadtest;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * What a benchmark wrote to Kafka: the end offsets of every topic on the cluster (internal ones too:
 * consumer offsets and the transaction log are written per run as well), read before and after the
 * measured phase. The difference per topic counts records plus transaction markers, which take an
 * offset each. Meant for a cluster the benchmark has to itself (its own broker).
 *
 * <pre>{@code
 * Map<String, Long> before = TopicRecords.endOffsets(bootstrap, props);
 * ... run 10,000 runs ...
 * Map<String, Double> perRun = TopicRecords.perRun(before, TopicRecords.endOffsets(bootstrap, props), 10_000);
 * }</pre>
 */
final class TopicRecords {
  private TopicRecords() {}

  /** End offsets summed over each topic's partitions, by topic. */
  static Map<String, Long> endOffsets(String bootstrapServers, Map<String, ?> kafkaProperties) {
    Map<String, Object> config = new HashMap<>(kafkaProperties);
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (Admin admin = Admin.create(config)) {
      Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
      Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      topics.values().forEach(t -> t.partitions().forEach(p -> request.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest())));
      Map<String, Long> sums = new TreeMap<>();
      admin.listOffsets(request).all().get(30, TimeUnit.SECONDS)
          .forEach((tp, info) -> sums.merge(tp.topic(), info.offset(), Long::sum));
      return sums;
    } catch (Exception e) {
      throw new IllegalStateException("could not read end offsets from " + bootstrapServers + ": " + e, e);
    }
  }

  /** Offsets added per run, by topic (topics that did not grow are left out), plus "total". */
  static Map<String, Double> perRun(Map<String, Long> before, Map<String, Long> after, long runs) {
    Map<String, Double> perRun = after.entrySet().stream()
        .filter(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L) > 0)
        .collect(Collectors.toMap(Map.Entry::getKey, e -> LoadGenerator.round((e.getValue() - before.getOrDefault(e.getKey(), 0L)) / (double) runs, 2),
            (a, b) -> a, TreeMap::new));
    perRun.put("total", LoadGenerator.round(perRun.values().stream().mapToDouble(Double::doubleValue).sum(), 2));
    return perRun;
  }
}
