package io.stepstream.devkafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker + controller) running inside this JVM.
 *
 * <p>Everything binds to 127.0.0.1. The data directory is formatted on first use; starting again on the
 * same directory keeps topics, records and committed offsets, and reuses the previous broker port when it
 * is still free.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(Path.of("target/kafka"))) {
 *     Properties props = new Properties();
 *     props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link EmbeddedKafkaMain} runs the same broker as a separate OS process.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** How long {@link #start} waits for the broker to answer client requests. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private static final String CLUSTER_ID_FILE = "cluster.id";
    private static final String PORTS_FILE = "ports.properties";
    private static final String SERVER_PROPERTIES_FILE = "server.properties";
    private static final String LOG_DIR = "kraft-logs";
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(Path dataDir, KafkaRaftServer server, String bootstrapServers) {
        this.dataDir = dataDir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts a broker on {@code dataDir} (created and formatted if needed); blocks until it serves clients. */
    public static EmbeddedKafka start(Path dataDir) throws IOException {
        return start(dataDir, Map.of());
    }

    /**
     * Like {@link #start(Path)}, with extra broker properties that win over the defaults (for tuning;
     * changing {@code listeners} would make {@link #bootstrapServers()} wrong).
     */
    public static EmbeddedKafka start(Path dataDir, Map<String, String> overrides) throws IOException {
        Objects.requireNonNull(overrides, "overrides");
        return start(dataDir, options().overrides(overrides));
    }

    /** What a secured (or otherwise non-default) broker needs; {@link #options()} starts from the defaults. */
    public static Options options() {
        return new Options();
    }

    /**
     * Starts a broker with {@code options}: for example a SASL_SSL client listener with SCRAM users
     * written into the metadata log at format time (see {@link Options}).
     */
    public static EmbeddedKafka start(Path dataDir, Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        long startedAt = System.nanoTime();
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        Path logDir = dir.resolve(LOG_DIR);

        int[] ports = choosePorts(dir);
        int brokerPort = ports[0];
        int controllerPort = ports[1];

        // the client listener is named after its security protocol, and the broker talks to itself on it too
        String listener = options.listenerSecurity;
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("listeners", listener + "://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        props.put("advertised.listeners", listener + "://" + HOST + ":" + brokerPort);
        props.put("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:" + options.controllerListenerSecurity);
        props.put("inter.broker.listener.name", listener);
        props.put("controller.listener.names", "CONTROLLER");
        // Formatted with --standalone, so the bootstrap server is enough (no static controller.quorum.voters).
        props.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
        props.put("log.dirs", logDir.toString());
        // Internal topics default to replication factor 3 and would never be created on one node.
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        // Without these two, share consumers silently receive nothing.
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        // abort the open transaction of a killed instance soon after it times out (default: checked
        // every 10 s), so read_committed readers of its partitions are not held longer than that
        props.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        // After a kill -9 the restarted controller rejects the broker's re-registration until the old session
        // expires (default 9 s); a shorter session makes crash-restart cycles cheaper.
        props.put("broker.heartbeat.interval.ms", "500");
        props.put("broker.session.timeout.ms", "4000");
        props.putAll(options.overrides);

        Path propsFile = dir.resolve(SERVER_PROPERTIES_FILE);
        writeAtomically(propsFile, out -> props.store(out, "generated by EmbeddedKafka; rewritten on every start"));
        formatIfNeeded(dir, logDir, propsFile, options.scramCredentials);

        KafkaRaftServer server = new KafkaRaftServer(kafkaConfig(props), Time.SYSTEM);
        EmbeddedKafka kafka = new EmbeddedKafka(dir, server, HOST + ":" + brokerPort);
        try {
            server.startup();
            kafka.awaitClientRequests(START_TIMEOUT, options.clientProperties);
        } catch (RuntimeException | IOException e) {
            kafka.closeQuietly(e);
            throw e;
        }
        log.info("Embedded Kafka ready at {} (data dir {}) after {} ms", kafka.bootstrapServers, dir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
        return kafka;
    }

    /**
     * {@code KafkaConfig.fromProps(props, false)}, called reflectively: KafkaConfig's superclass lives in
     * kafka-server, which kafka_2.13 declares with runtime scope, so javac cannot see it.
     */
    private static KafkaConfig kafkaConfig(Properties props) {
        try {
            return (KafkaConfig) KafkaConfig.class.getMethod("fromProps", Properties.class, boolean.class)
                    .invoke(null, props, false);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException("Invalid Kafka configuration", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kafka.server.KafkaConfig.fromProps(Properties, boolean) not found", e);
        }
    }

    /** {@code 127.0.0.1:PORT} of the client listener (PLAINTEXT unless {@link Options#listenerSecurity} says otherwise). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the broker down and waits until it has stopped. Safe to call more than once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.shutdown();
            server.awaitShutdown();
        }
    }

    private void closeQuietly(Exception cause) {
        try {
            close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Broker startup returns before the broker is unfenced; only an answered request proves it is usable. */
    private void awaitClientRequests(Duration timeout, Map<String, Object> clientProperties) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties adminProps = new Properties();
        adminProps.putAll(clientProperties);
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        adminProps.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        Exception last = null;
        try (Admin admin = Admin.create(adminProps)) {
            while (System.nanoTime() < deadline) {
                try {
                    // The broker lists only unfenced brokers, so a non-empty answer means topics can be created.
                    Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("Interrupted while waiting for Kafka at " + bootstrapServers, e);
                }
                sleep(100);
            }
        }
        throw new IOException("Kafka at " + bootstrapServers + " (data dir " + dataDir + ") did not answer client requests within "
                + timeout.toSeconds() + " s", last);
    }

    private static void formatIfNeeded(Path dir, Path logDir, Path propsFile, List<String> scramCredentials) throws IOException {
        Path clusterIdFile = dir.resolve(CLUSTER_ID_FILE);
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return; // already formatted: formatting again would fail (and must not wipe anything)
        }
        // Reuse the stored id if a previous format died half-way, so the id never changes for a directory.
        String clusterId = Files.exists(clusterIdFile)
                ? Files.readString(clusterIdFile, StandardCharsets.UTF_8).trim()
                : Uuid.randomUuid().toString();
        writeAtomically(clusterIdFile, out -> out.write(clusterId.getBytes(StandardCharsets.UTF_8)));

        List<String> args = new ArrayList<>(List.of("format", "-t", clusterId, "-c", propsFile.toString(), "--standalone", "--ignore-formatted"));
        for (String credential : scramCredentials) {
            args.add("--add-scram");
            args.add(credential);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(args.toArray(String[]::new), print);
        } catch (RuntimeException e) {
            throw new IOException("Formatting Kafka storage in " + logDir + " failed: " + output.toString(StandardCharsets.UTF_8), e);
        }
        if (rc != 0) {
            throw new IOException("Formatting Kafka storage in " + logDir + " failed with exit code " + rc + ": "
                    + output.toString(StandardCharsets.UTF_8));
        }
        log.debug("Formatted {}: {}", logDir, output.toString(StandardCharsets.UTF_8).trim());
    }

    /** {brokerPort, controllerPort}: the ones used last time on this directory if they are free, else new ones. */
    private static int[] choosePorts(Path dir) throws IOException {
        Path portsFile = dir.resolve(PORTS_FILE);
        Properties previous = new Properties();
        if (Files.exists(portsFile)) {
            try (InputStream in = Files.newInputStream(portsFile)) {
                previous.load(in);
            }
        }
        int brokerPort = reuseOrPick(previous.getProperty("broker.port"), -1);
        // The controller port is kept too: the single voter's endpoint is recorded in the metadata log.
        int controllerPort = reuseOrPick(previous.getProperty("controller.port"), brokerPort);
        Properties ports = new Properties();
        ports.setProperty("broker.port", String.valueOf(brokerPort));
        ports.setProperty("controller.port", String.valueOf(controllerPort));
        writeAtomically(portsFile, out -> ports.store(out, "last ports used by EmbeddedKafka on this directory"));
        return new int[] {brokerPort, controllerPort};
    }

    private static int reuseOrPick(String previous, int taken) throws IOException {
        if (previous != null) {
            int port = Integer.parseInt(previous.trim());
            if (port != taken && isFree(port)) {
                return port;
            }
        }
        for (int attempt = 0; attempt < 10; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            if (port != taken) {
                return port;
            }
        }
        throw new IOException("Could not find a free port on the loopback interface");
    }

    private static boolean isFree(int port) {
        try {
            new ServerSocket(port, 50, InetAddress.getLoopbackAddress()).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * How to start the broker, beyond the defaults. A secured broker, for example:
     *
     * <pre>{@code
     * EmbeddedKafka.start(dir, EmbeddedKafka.options()
     *     .listenerSecurity("SASL_SSL")                              // clients and the broker itself
     *     .scramCredential("SCRAM-SHA-512", "broker", brokerPassword) // in the metadata log from the start
     *     .overrides(Map.of(
     *         "sasl.enabled.mechanisms", "SCRAM-SHA-512",
     *         "sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512",
     *         "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", "...ScramLoginModule required username=\"broker\" password=\"...\";",
     *         "listener.name.sasl_ssl.ssl.keystore.location", "broker.p12", ...))
     *     .clientProperties(adminClientProperties));                // how start() checks the broker answers
     * }</pre>
     */
    public static final class Options {
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final List<String> scramCredentials = new ArrayList<>();
        private final Map<String, Object> clientProperties = new LinkedHashMap<>();
        private String listenerSecurity = "PLAINTEXT";
        private String controllerListenerSecurity = "PLAINTEXT";

        private Options() {
        }

        /** Broker properties that win over the defaults (and over what the other options set). */
        public Options overrides(Map<String, String> properties) {
            overrides.putAll(properties);
            return this;
        }

        /**
         * Security protocol of the client listener, which the broker also uses to talk to itself
         * (transaction markers): PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL. The listener is
         * named after it, so its settings are {@code listener.name.<protocol in lower case>.*}.
         */
        public Options listenerSecurity(String protocol) {
            this.listenerSecurity = protocol.toUpperCase(java.util.Locale.ROOT);
            return this;
        }

        /** Security protocol of the CONTROLLER listener (default PLAINTEXT; loopback only either way). */
        public Options controllerListenerSecurity(String protocol) {
            this.controllerListenerSecurity = protocol.toUpperCase(java.util.Locale.ROOT);
            return this;
        }

        /**
         * A SCRAM credential written into the metadata log when the storage is formatted (first start
         * only), so it exists before the broker serves anyone: the broker's own user, an admin.
         */
        public Options scramCredential(String mechanism, String user, String password) {
            if (user.contains(",") || user.contains("]") || password.contains(",") || password.contains("]")) {
                throw new IllegalArgumentException("SCRAM user names and passwords given at format time may not contain ',' or ']'");
            }
            scramCredentials.add(mechanism + "=[name=" + user + ",password=" + password + "]");
            return this;
        }

        /** Client properties (security) {@link #start} uses to check that the broker answers. */
        public Options clientProperties(Map<String, ?> properties) {
            clientProperties.putAll(properties);
            return this;
        }
    }

    @FunctionalInterface
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Write-then-rename, so a crash never leaves a half-written file behind. */
    static void writeAtomically(Path target, Writer writer) throws IOException {
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), target.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting Kafka", e);
        }
    }
}
