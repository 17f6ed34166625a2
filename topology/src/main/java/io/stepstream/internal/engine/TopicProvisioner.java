package io.stepstream.internal.engine;

import io.stepstream.client.Topics;
import io.stepstream.internal.client.AccessErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the deployment's topics when missing, all with the same partition count (a run's records
 * must meet on one task), and refuses to start when existing topics disagree.
 */
public final class TopicProvisioner {
  private static final long SEVEN_DAYS_MS = 7L * 24 * 3600 * 1000;
  private static final long THIRTY_DAYS_MS = 30L * 24 * 3600 * 1000;

  private TopicProvisioner() {}

  /** Retention of {@code <prefix>.streams} unless the engine is told otherwise: token streams are transient. */
  public static final java.time.Duration DEFAULT_STREAM_RETENTION = java.time.Duration.ofDays(1);

  /** @return the partition count in force */
  public static int ensure(Admin admin, Topics topics, int partitions, short replicationFactor, Map<String, Object> clientConfig) throws Exception {
    return ensure(admin, topics, partitions, replicationFactor, clientConfig, DEFAULT_STREAM_RETENTION);
  }

  /** With the retention {@code <prefix>.streams} is created with (an existing topic keeps its own). */
  public static int ensure(Admin admin, Topics topics, int partitions, short replicationFactor, Map<String, Object> clientConfig,
      java.time.Duration streamRetention) throws Exception {
    Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    List<NewTopic> missing = new ArrayList<>();
    for (String name : topics.all()) {
      if (!existing.contains(name)) {
        Map<String, String> configs = name.equals(topics.streams())
            ? Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(streamRetention.toMillis()),
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, configFor(topics, name, replicationFactor).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG))
            : configFor(topics, name, replicationFactor);
        missing.add(new NewTopic(name, partitions, replicationFactor).configs(configs));
      }
    }
    if (!existing.contains(topics.payloads())) {
      missing.add(new NewTopic(topics.payloads(), partitions, replicationFactor).configs(payloadsConfig(replicationFactor)));
    }
    try {
      admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        // another instance creating them at the same time is fine
        throw orClear(e, clientConfig, "CREATE", "so the engine cannot create its missing topics "
            + missing.stream().map(NewTopic::name).toList() + " (or create them beforehand, all with the same partition count)");
      }
    }
    try {
      return checkCoPartitioned(admin, topics);
    } catch (ExecutionException e) {
      throw orClear(e, clientConfig, "DESCRIBE", "so the engine cannot check its topics");
    }
  }

  /**
   * Task queue topics and the cancel topic (remote tasks, ADR 0024): created with the engine's
   * partition count if missing; an existing one keeps what it has (workers are not partition-bound).
   * Task records live as long as outcomes do (a task may wait for a worker that long); cancel
   * notices a day.
   */
  public static void ensureTaskTopics(Admin admin, java.util.Collection<String> names, int partitions, short replicationFactor,
      Map<String, Object> clientConfig) throws Exception {
    if (names.isEmpty()) {
      return;
    }
    Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    String minIsr = Integer.toString(Math.max(1, Math.min(2, replicationFactor - 1)));
    List<NewTopic> missing = new ArrayList<>();
    for (String name : names) {
      if (!existing.contains(name)) {
        long retention = name.endsWith(".task-cancels") ? DEFAULT_STREAM_RETENTION.toMillis() : SEVEN_DAYS_MS;
        missing.add(new NewTopic(name, partitions, replicationFactor).configs(
            Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention), TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)));
      }
    }
    try {
      admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw orClear(e, clientConfig, "CREATE", "so the engine cannot create the task queue topics "
            + missing.stream().map(NewTopic::name).toList() + " (or create them beforehand)");
      }
    }
  }

  /** An authorization failure as a clear exception, anything else as it was. */
  private static Exception orClear(ExecutionException e, Map<String, Object> clientConfig, String operation, String consequence) {
    RuntimeException clear = AccessErrors.describe(e, clientConfig, operation, null, consequence);
    return clear != null ? clear : e;
  }

  private static Map<String, String> configFor(Topics topics, String name, short replicationFactor) {
    String minIsr = Integer.toString(Math.max(1, Math.min(2, replicationFactor - 1)));
    if (name.equals(topics.deadLetters())) {
      return Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(THIRTY_DAYS_MS), TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr);
    }
    // outcomes must outlive any plausible outage of the engine: they are replayed after a crash
    return Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(SEVEN_DAYS_MS), TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr);
  }

  /**
   * The claim-check store (ADR 0021): compacted, never deleted by time (a run waiting for months
   * still needs its step results); a run's chunks are tombstoned when the run expires.
   */
  static Map<String, String> payloadsConfig(short replicationFactor) {
    String minIsr = Integer.toString(Math.max(1, Math.min(2, replicationFactor - 1)));
    return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr);
  }

  private static int checkCoPartitioned(Admin admin, Topics topics) throws Exception {
    Map<String, TopicDescription> described = describeWhenVisible(admin, topics);
    int requests = described.get(topics.requests()).partitions().size();
    for (String input : List.of(topics.stepOutcomes(), topics.approvals(), topics.signals(), topics.sessions(), topics.limitGrants())) {
      int n = described.get(input).partitions().size();
      if (n != requests) {
        throw new IllegalStateException(
            topics.requests() + " has " + requests + " partitions but " + input + " has " + n
                + "; every input topic must have the same count so a run's request, outcomes, decisions and events meet on"
                + " one task. Expand the smaller ones to " + Math.max(n, requests) + " partitions (kafka-topics.sh --alter"
                + " --partitions) or recreate them, on a deployment with no runs in flight: a new partition count moves run ids"
                + " to other partitions than their state");
      }
    }
    return requests;
  }

  /**
   * Right after createTopics the broker that answers may not have the new topics in its metadata
   * yet (seen in CI: UnknownTopicOrPartitionException on the describe that followed the create), so
   * an unknown topic is asked about again for up to 30 s.
   */
  private static Map<String, TopicDescription> describeWhenVisible(Admin admin, Topics topics) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try {
        return admin.describeTopics(topics.all()).allTopicNames().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
