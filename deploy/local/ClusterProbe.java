import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * cluster.sh's questions to the cluster, asked with Kafka's admin client (the shaded stepstream.jar
 * has it, but not Kafka's shell tools). cluster.sh compiles this file once per cluster directory.
 *
 * <pre>
 * java -cp stepstream.jar:DIR/bin ClusterProbe free-ports 6
 * java -cp stepstream.jar:DIR/bin ClusterProbe await-brokers 127.0.0.1:P1,... 1,2,3 90
 * java -cp stepstream.jar:DIR/bin ClusterProbe describe 127.0.0.1:P1,...
 * java -cp stepstream.jar:DIR/bin ClusterProbe format CLUSTER_ID DIR/broker-1/server.properties ...
 * </pre>
 */
public final class ClusterProbe {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      usage();
    }
    switch (args[0]) {
      case "free-ports" -> freePorts(Integer.parseInt(args[1]));
      case "await-brokers" -> {
        if (args.length != 4) {
          usage();
        }
        System.exit(awaitBrokers(args[1], ids(args[2]), Integer.parseInt(args[3])) ? 0 : 1);
      }
      case "describe" -> describe(args[1]);
      case "format" -> format(args[1], java.util.Arrays.copyOfRange(args, 2, args.length));
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: ClusterProbe free-ports N | await-brokers BOOTSTRAP ID[,ID...] TIMEOUT_S | describe BOOTSTRAP"
        + " | format CLUSTER_ID SERVER_PROPERTIES...");
    System.exit(2);
  }

  /**
   * Formats the KRaft storage of each broker (kafka-storage.sh format), in one JVM rather than one
   * each. The quorum is static (controller.quorum.voters in the properties), so no --standalone or
   * --initial-controllers.
   */
  private static void format(String clusterId, String[] propertiesFiles) {
    for (String properties : propertiesFiles) {
      int rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", properties}, System.out);
      if (rc != 0) {
        System.err.println("formatting the storage of " + properties + " failed with exit code " + rc);
        System.exit(1);
      }
    }
  }

  /** N ports free on 127.0.0.1 right now (all held open together, so they are distinct). */
  private static void freePorts(int n) throws Exception {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      System.out.println(sockets.stream().map(s -> Integer.toString(s.getLocalPort())).collect(Collectors.joining(",")));
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  /**
   * Waits until every broker in {@code ids} is registered and unfenced: describeCluster lists only
   * those, so a broker listed here accepts produce and fetch requests for the partitions it leads.
   */
  private static boolean awaitBrokers(String bootstrap, Set<Integer> ids, int timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    String last = "no answer yet";
    try (Admin admin = admin(bootstrap)) {
      while (System.nanoTime() < deadline) {
        try {
          Set<Integer> serving = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).stream()
              .map(Node::id).collect(Collectors.toCollection(TreeSet::new));
          if (serving.containsAll(ids)) {
            return true;
          }
          last = "serving brokers " + serving;
        } catch (Exception e) {
          last = e.getCause() != null ? e.getCause().toString() : e.toString();
        }
        Thread.sleep(250);
      }
    }
    System.err.println("brokers " + ids + " not all serving within " + timeoutSeconds + " s (" + last + ")");
    return false;
  }

  /** Brokers, the controller quorum, and partitions that are short of replicas or leaderless. */
  private static void describe(String bootstrap) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      List<String> brokers = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream()
          .sorted((a, b) -> Integer.compare(a.id(), b.id()))
          .map(n -> n.id() + "@" + n.host() + ":" + n.port()).toList();
      System.out.println("serving brokers: " + brokers);
      try {
        QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS);
        String voters = q.voters().stream()
            .map(v -> v.replicaId() + " (log end " + v.logEndOffset() + ")").collect(Collectors.joining(", "));
        System.out.println("controller quorum: leader " + q.leaderId() + ", epoch " + q.leaderEpoch() + ", voters " + voters);
      } catch (Exception e) {
        System.out.println("controller quorum: unknown (" + e.getMessage() + ")");
      }
      Set<String> names = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
          .names().get(10, TimeUnit.SECONDS);
      Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
      Map<ConfigResource, org.apache.kafka.clients.admin.Config> configs = admin.describeConfigs(
          names.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).all().get(10, TimeUnit.SECONDS);
      int partitions = 0;
      List<String> underReplicated = new ArrayList<>();
      List<String> underMinIsr = new ArrayList<>();
      List<String> offline = new ArrayList<>();
      for (TopicDescription t : topics.values()) {
        var minIsrEntry = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name())).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
        int minIsr = minIsrEntry == null ? 1 : Integer.parseInt(minIsrEntry.value());
        for (TopicPartitionInfo p : t.partitions()) {
          partitions++;
          String name = t.name() + "-" + p.partition();
          if (p.leader() == null || p.leader().isEmpty()) {
            offline.add(name);
          }
          if (p.isr().size() < p.replicas().size()) {
            underReplicated.add(name);
          }
          if (p.isr().size() < minIsr) {
            underMinIsr.add(name);
          }
        }
      }
      System.out.println("topics: " + topics.size() + ", partitions: " + partitions
          + ", under-replicated: " + underReplicated.size() + ", under min ISR (writes refused): " + underMinIsr.size()
          + ", offline (no leader): " + offline.size() + (offline.isEmpty() ? "" : " e.g. " + offline.stream().limit(5).toList()));
    }
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000,
        AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500));
  }

  private static Set<Integer> ids(String csv) {
    Set<Integer> ids = new TreeSet<>();
    for (String s : csv.split(",")) {
      ids.add(Integer.parseInt(s.trim()));
    }
    return ids;
  }
}
