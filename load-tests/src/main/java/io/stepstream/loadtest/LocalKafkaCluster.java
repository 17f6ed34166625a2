package io.stepstream.loadtest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A 3-node KRaft cluster (each node broker and controller) in three child JVMs on 127.0.0.1, set up
 * like {@code deploy/local/cluster.sh}: replication factor 3 and min.insync.replicas 2 for every
 * topic, Kafka's own offsets and transaction-state topics included. Differences from cluster.sh: the
 * brokers run with the JVM's default JIT and GC (cluster.sh leaves out C2 to start faster, which a
 * throughput benchmark must not), and the data directory is deleted on {@link #close()}.
 *
 * <pre>{@code
 * try (LocalKafkaCluster cluster = LocalKafkaCluster.start(dir, "-Xmx1g")) {
 *   String bootstrap = cluster.bootstrapServers();
 *   long pid = cluster.brokerPids().get(0);
 * }
 * }</pre>
 */
final class LocalKafkaCluster implements AutoCloseable {
  static final int NODES = 3;

  private final Path dir;
  private final List<Integer> brokerPorts;
  private final List<Process> brokers = new ArrayList<>();

  private LocalKafkaCluster(Path dir, List<Integer> brokerPorts) {
    this.dir = dir;
    this.brokerPorts = brokerPorts;
  }

  /** Formats and starts the 3 nodes, and returns once all 3 brokers are registered. */
  static LocalKafkaCluster start(Path dir, String javaOpts) throws Exception {
    Files.createDirectories(dir);
    List<Integer> ports = freePorts(2 * NODES);
    LocalKafkaCluster cluster = new LocalKafkaCluster(dir, ports.subList(0, NODES));
    List<Integer> controllerPorts = ports.subList(NODES, 2 * NODES);
    String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(uuidBytes());
    try {
      for (int n = 1; n <= NODES; n++) {
        Path props = dir.resolve("broker-" + n + ".properties");
        Files.writeString(props, properties(n, dir.resolve("broker-" + n), cluster.brokerPorts, controllerPorts));
        // static quorum (controller.quorum.voters): plain format, as cluster.sh's ClusterProbe does
        int rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", props.toString()}, System.out);
        if (rc != 0) {
          throw new IllegalStateException("formatting " + props + " failed with exit code " + rc);
        }
      }
      for (int n = 1; n <= NODES; n++) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of(javaOpts.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "kafka.Kafka", dir.resolve("broker-" + n + ".properties").toString()));
        cluster.brokers.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("broker-" + n + ".log").toFile()).start());
      }
      cluster.awaitBrokers(Duration.ofSeconds(120));
      return cluster;
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  String bootstrapServers() {
    return brokerPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  List<Long> brokerPids() {
    return brokers.stream().map(Process::pid).toList();
  }

  Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  private void awaitBrokers(Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    try (Admin admin = admin()) {
      while (true) {
        for (Process p : brokers) {
          if (!p.isAlive()) {
            throw new IllegalStateException("a broker exited while starting; logs in " + dir);
          }
        }
        try {
          if (admin.describeCluster().nodes().get().size() == NODES) {
            return;
          }
        } catch (Exception e) {
          // not serving yet
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("brokers not all registered within " + timeout + "; logs in " + dir);
        }
        Thread.sleep(500);
      }
    }
  }

  /** The settings of deploy/local/cluster.sh (see the reasons there), for node {@code n} (1..3). */
  private static String properties(int n, Path data, List<Integer> brokerPorts, List<Integer> controllerPorts) {
    String voters = "";
    for (int i = 1; i <= NODES; i++) {
      voters += (i > 1 ? "," : "") + i + "@127.0.0.1:" + controllerPorts.get(i - 1);
    }
    return String.join("\n",
        "process.roles=broker,controller",
        "node.id=" + n,
        "controller.quorum.voters=" + voters,
        "listeners=PLAINTEXT://127.0.0.1:" + brokerPorts.get(n - 1) + ",CONTROLLER://127.0.0.1:" + controllerPorts.get(n - 1),
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPorts.get(n - 1),
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=PLAINTEXT",
        "controller.listener.names=CONTROLLER",
        "log.dirs=" + data.resolve("data"),
        "default.replication.factor=3",
        "min.insync.replicas=2",
        "offsets.topic.replication.factor=3",
        "transaction.state.log.replication.factor=3",
        "transaction.state.log.min.isr=2",
        "offsets.topic.num.partitions=12",
        "transaction.state.log.num.partitions=12",
        "auto.create.topics.enable=false",
        "broker.heartbeat.interval.ms=500",
        "broker.session.timeout.ms=3000",
        "transaction.abort.timed.out.transaction.cleanup.interval.ms=1000",
        // a benchmark's group starts at once, not after Kafka's 3 s grace for more members
        "group.initial.rebalance.delay.ms=0",
        "");
  }

  private static byte[] uuidBytes() {
    UUID u = UUID.randomUUID();
    return java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
  }

  private static List<Integer> freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  /** SIGTERM to every broker (clean shutdown), SIGKILL after 30 s; then deletes the data. */
  @Override
  public void close() throws Exception {
    brokers.forEach(Process::destroy);
    for (Process p : brokers) {
      if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
    Target.deleteRecursively(dir);
  }
}
