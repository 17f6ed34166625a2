package io.stepstream.loadtest;

import io.stepstream.engine.Stepstream;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the generator drives: either its own embedded broker plus one engine instance in this JVM
 * (fresh temp directories and a fresh topic prefix, so every benchmark starts from empty topics and
 * state), or an external cluster where an engine with the scenario workflows already runs.
 */
final class Target implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Target.class);

  private final Path tempDir;
  private final EmbeddedKafka kafka;
  private final Stepstream engine;
  private final WorkflowClient client;
  private final String bootstrapServers;
  private final String topicPrefix;
  /** The broker and engine processes of a separate-process target (stopped in reverse order), else empty. */
  private final java.util.List<ChildJvm> children;
  private boolean closed;

  private Target(Path tempDir, EmbeddedKafka kafka, Stepstream engine, WorkflowClient client, String bootstrapServers, String topicPrefix) {
    this(tempDir, kafka, engine, client, bootstrapServers, topicPrefix, java.util.List.of());
  }

  private Target(Path tempDir, EmbeddedKafka kafka, Stepstream engine, WorkflowClient client, String bootstrapServers, String topicPrefix,
      java.util.List<ChildJvm> children) {
    this.children = children;
    this.tempDir = tempDir;
    this.kafka = kafka;
    this.engine = engine;
    this.client = client;
    this.bootstrapServers = bootstrapServers;
    this.topicPrefix = topicPrefix;
  }

  /**
   * Starts an embedded broker and one engine (all scenario workflows registered) in this JVM.
   * {@code approvalSecret}: the engine's approval secret (null: a random one, for scenarios without approvals).
   */
  static Target embedded(EngineOptions options, int defaultExecutorThreads, String topicPrefix, String approvalSecret) throws IOException {
    Path tmp = Files.createTempDirectory("stepstream-bench-");
    EmbeddedKafka kafka = null;
    Stepstream engine = null;
    try {
      long t0 = System.nanoTime();
      kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
      Stepstream.Builder builder = Stepstream.builder()
          .bootstrapServers(kafka.bootstrapServers())
          .topicPrefix(topicPrefix)
          .stateDir(tmp.resolve("state"));
      Scenario.registerAll(builder);
      EngineOptions.benchDefaults(builder, approvalSecret);
      options.apply(builder, defaultExecutorThreads);
      engine = builder.build().start();
      WorkflowClient client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(topicPrefix).build();
      LOG.info("embedded broker {} and engine (topic prefix {}) ready after {} ms", kafka.bootstrapServers(), topicPrefix,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      return new Target(tmp, kafka, engine, client, kafka.bootstrapServers(), topicPrefix);
    } catch (IOException | RuntimeException e) {
      if (engine != null) {
        engine.close();
      }
      if (kafka != null) {
        kafka.close();
      }
      deleteRecursively(tmp);
      throw e;
    }
  }

  /**
   * The way users run it: a broker, an engine and this generator, each in its own JVM. The broker is
   * {@code EmbeddedKafkaMain} (single-node KRaft, fresh data directory), the engine {@link BenchEngine}
   * with the given flags; both are ended by PID when the target closes.
   */
  static Target separateProcesses(EngineOptions options, String topicPrefix, String approvalSecret, java.util.List<String> engineJvmOptions)
      throws IOException, InterruptedException {
    Path tmp = Files.createTempDirectory("stepstream-bench-3p-");
    java.util.List<ChildJvm> started = new java.util.ArrayList<>();
    try {
      long t0 = System.nanoTime();
      ChildJvm broker = ChildJvm.start("broker", tmp, java.util.List.of("-Xmx1g"), io.stepstream.devkafka.EmbeddedKafkaMain.class,
          java.util.List.of("--data-dir", tmp.resolve("kafka").toString(), "--parent-pid", Long.toString(ProcessHandle.current().pid())));
      started.add(broker);
      String ready = broker.awaitLine("KAFKA_READY", java.time.Duration.ofSeconds(90));
      String bootstrap = ready.substring(ready.indexOf("KAFKA_READY") + "KAFKA_READY".length()).trim();
      java.util.List<String> engineArgs = new java.util.ArrayList<>(java.util.List.of("--bootstrap-servers", bootstrap, "--topic-prefix", topicPrefix,
          "--state-dir", tmp.resolve("state").toString()));
      if (approvalSecret != null) {
        engineArgs.addAll(java.util.List.of("--approval-secret", approvalSecret));
      }
      engineArgs.addAll(options.toArgs());
      ChildJvm engine = ChildJvm.start("engine", tmp, engineJvmOptions, BenchEngine.class, engineArgs);
      started.add(engine);
      engine.awaitLine("BENCH_ENGINE_READY", java.time.Duration.ofSeconds(120));
      WorkflowClient client = WorkflowClient.builder().bootstrapServers(bootstrap).topicPrefix(topicPrefix).build();
      LOG.info("broker {} and engine {} ready after {} ms", broker, engine, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      return new Target(tmp, null, null, client, bootstrap, topicPrefix, java.util.List.copyOf(started));
    } catch (IOException | RuntimeException | InterruptedException e) {
      for (int i = started.size() - 1; i >= 0; i--) {
        started.get(i).close();
      }
      deleteRecursively(tmp);
      throw e;
    }
  }

  /** The broker and engine processes of a separate-process target (empty otherwise). */
  java.util.List<ChildJvm> children() {
    return children;
  }

  /**
   * A cluster where an engine (see {@link BenchEngine}) serves {@code topicPrefix}; {@code kafkaProperties}
   * (from {@code --command-config}: security settings) reach every client the generator creates.
   */
  static Target external(String bootstrapServers, String topicPrefix, Map<String, ?> kafkaProperties) {
    String results = topicPrefix + ".results";
    Map<String, Object> adminConfig = new java.util.HashMap<>(kafkaProperties);
    adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    adminConfig.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(adminConfig)) {
      Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      if (!names.contains(results)) {
        throw new IllegalStateException("no topic " + results + " on " + bootstrapServers + " (or this principal may not describe it)"
            + ": start an engine with the scenario workflows first, e.g. load-tests/bench engine --bootstrap-servers "
            + bootstrapServers + " --topic-prefix " + topicPrefix);
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not reach Kafka at " + bootstrapServers + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    WorkflowClient client = WorkflowClient.builder().kafkaProperties(kafkaProperties).bootstrapServers(bootstrapServers)
        .topicPrefix(topicPrefix).build();
    return new Target(null, null, null, client, bootstrapServers, topicPrefix);
  }

  boolean isEmbedded() {
    return engine != null;
  }

  WorkflowClient client() {
    return client;
  }

  /** The in-process engine, or null when external. */
  Stepstream engine() {
    return engine;
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  String topicPrefix() {
    return topicPrefix;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      client.close();
    } finally {
      try {
        if (engine != null) {
          engine.close();
        }
        for (int i = children.size() - 1; i >= 0; i--) {
          children.get(i).close(); // the engine first, while its broker is still there
        }
      } finally {
        if (kafka != null) {
          kafka.close();
        }
        if (tempDir != null) {
          deleteRecursively(tempDir);
        }
      }
    }
  }

  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort: it is a temp directory
        }
      });
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
