package io.stepstream.cli;

import io.stepstream.WorkflowRegistrar;
import io.stepstream.client.WireFormat;
import io.stepstream.engine.Stepstream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The production engine: hosts the workflows of your jars on your cluster until stopped (SIGTERM
 * leaves the group cleanly). Workflows are found with ServiceLoader ({@code io.stepstream.WorkflowRegistrar}).
 *
 * <pre>
 * java -jar stepstream.jar engine --workflows my-workflows.jar \
 *     --bootstrap-servers broker-1:9093 --command-config client.properties \
 *     --approval-secret-file /etc/stepstream/approval-secret \
 *     --http-bind 0.0.0.0:8080 \      # in a container: probes and Prometheus reach /health/* and /metrics
 *     --wire-format json              # results, events, approval requests as plain JSON (default: avro, or registry)
 * </pre>
 *
 * <p>Health and metrics are served on {@code --http-bind} (default {@code 127.0.0.1:8080}, {@code off}
 * to disable) and the engine's counters are in JMX ({@code io.stepstream:type=Engine,name=<application id>};
 * {@code --no-jmx} to skip).
 */
@Command(name = "engine", description = "Run an engine instance for the workflows in --workflows jars on a Kafka cluster, until stopped.")
final class EngineCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Spec CommandSpec spec;

  @Option(names = "--workflows", paramLabel = "JAR", required = true, split = ",",
      description = "Jar(s) with your workflows and their dependencies (repeatable or comma-separated); each lists its WorkflowRegistrar in META-INF/services/io.stepstream.WorkflowRegistrar.")
  List<Path> workflowJars = new ArrayList<>();

  @Option(names = "--application-id", description = "Kafka Streams application id: instances with the same id share the work (default: <topic-prefix>-engine).")
  String applicationId;

  @Option(names = "--state-dir", description = "RocksDB state; on a persistent volume in production (default: --data-dir).")
  Path stateDir;

  @Option(names = "--partitions", defaultValue = "6", description = "Partitions of topics this engine creates if missing (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--replication-factor", defaultValue = "-1", description = "Replication factor of topics this engine creates (default: min(3, brokers)).")
  int replicationFactor;

  @Option(names = "--executor-threads", defaultValue = "256", description = "Threads running workflow code: the most steps in flight (default: ${DEFAULT-VALUE}).")
  int executorThreads;

  @Option(names = "--start-timeout", defaultValue = "PT2M", description = "Give up starting after this long (ISO-8601, default: ${DEFAULT-VALUE}).")
  Duration startTimeout;

  @Option(names = "--http-bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
      description = "Serve /health/live, /health/ready and /metrics (Prometheus) here; 0.0.0.0:8080 in a container, port 0 for any free port,"
          + " 'off' for none (default: ${DEFAULT-VALUE}).")
  String httpBind;

  @Option(names = "--http-advertised-host", paramLabel = "HOST",
      description = "The name other engine instances reach this one's --http-bind port by: queries about runs another instance owns"
          + " are forwarded there (default: the --http-bind host, or this machine's host name when that is 0.0.0.0).")
  String httpAdvertisedHost;

  @Option(names = "--jmx", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Register the engine's counters as JMX bean io.stepstream:type=Engine,name=<application id> (default: on).")
  boolean jmx;

  @Option(names = "--stack-traces-in-results",
      description = "Put the Java stack trace of a failure into the run's result (default: off; the engine logs it).")
  boolean stackTracesInResults;

  @Option(names = "--audit-level", paramLabel = "FULL|LEAN", defaultValue = "FULL",
      description = "Audit events on the events topic: FULL (default, every event) or LEAN (no routine per-step success events;"
          + " run starts and ends, failures, retries, waits and decisions are kept; histories are complete either way).")
  io.stepstream.engine.AuditLevel auditLevel;

  @Option(names = "--streams-config", paramLabel = "KEY=VALUE",
      description = "A Kafka Streams property (also producer.*/consumer.*), wins over Stepstream's defaults; repeatable."
          + " E.g. producer.transaction.timeout.ms=30000 where controller failovers outlast the default 5 s (docs/operations.md).")
  java.util.Map<String, String> streamsConfig = new java.util.LinkedHashMap<>();

  @Option(names = "--emit-topic", paramLabel = "TOPIC",
      description = "A topic of yours that workflows may write to with ctx.emit (exactly once); repeatable. It must exist: the engine"
          + " never creates it, and the engine principal needs WRITE on it (docs/security.md).")
  List<String> emitTopics = new ArrayList<>();

  @Option(names = "--task-queue", paramLabel = "QUEUE",
      description = "A task queue workflows hand remote tasks to (ctx.task); the engine creates <prefix>.tasks.<QUEUE> and"
          + " <prefix>.task-cancels. Repeatable; declare the same queues on every instance.")
  List<String> taskQueues = new ArrayList<>();

  @Option(names = "--identity-jwks", paramLabel = "FILE",
      description = "Verify approvers and HTTP API/console callers with JWTs of your identity provider: its public keys (a JWKS file,"
          + " what its jwks_uri serves). Needs --identity-issuer and --identity-audience (docs/security.md).")
  Path identityJwks;

  @Option(names = "--identity-issuer", description = "The iss claim of the identity provider's tokens, exactly.")
  String identityIssuer;

  @Option(names = "--identity-audience", description = "A value the tokens' aud claim must contain (what the provider issues for Stepstream).")
  String identityAudience;

  @Option(names = "--identity-username-claim", defaultValue = "sub", description = "The claim naming the user (default: ${DEFAULT-VALUE}).")
  String identityUsernameClaim;

  @Option(names = "--identity-groups-claim", defaultValue = "groups", description = "The claim listing the user's groups (default: ${DEFAULT-VALUE}).")
  String identityGroupsClaim;

  @Option(names = "--http-admin-group", paramLabel = "GROUP",
      description = "Members of this group (the tokens' groups claim) may run admin operations in the HTTP API and console"
          + " (terminate, cancel, resume, restart, DLQ redrive); repeatable. Needs --identity-jwks.")
  List<String> httpAdminGroups = new ArrayList<>();

  @Option(names = "--retention", paramLabel = "WINDOW",
      description = "How long finished runs stay in the engine's stores (and a request for their run id is a duplicate): e.g. 7d, 12h,"
          + " 30m, 45s, an ISO-8601 duration (P7D), 0 (removed as soon as they finish) or forever (also -1)."
          + " Default: the results topic's retention.ms.")
  String retention;

  @Option(names = "--stream-retention", paramLabel = "WINDOW",
      description = "retention.ms of <prefix>.streams (token streams, docs/streams.md) when this engine creates it: e.g. 1d, 6h, P1D."
          + " Default: 1 day.")
  String streamRetention;

  @Option(names = "--max-stream-followers", paramLabel = "N", defaultValue = "64",
      description = "Server-sent event streams (GET /api/runs/{id}/stream) this instance serves at once (default: ${DEFAULT-VALUE}).")
  int maxStreamFollowers;

  @Mixin WireFormatOption wireFormat;

  @Override
  public Integer call() throws Exception {
    connection.requireBootstrap();
    Stepstream.Builder builder =
        connection.engineBuilder(false).partitions(partitions).executorThreads(executorThreads).startTimeout(startTimeout).jmx(jmx)
            .stackTracesInResults(stackTracesInResults)
            .auditLevel(auditLevel);
    HttpBind bind = HttpBind.parse(httpBind, spec);
    if (bind != null) {
      builder.httpServer(bind.host(), bind.port()).httpAdvertisedHost(httpAdvertisedHost);
    }
    if (replicationFactor > 0) {
      builder.replicationFactor(replicationFactor);
    }
    if (applicationId != null) {
      builder.applicationId(applicationId);
    }
    if (stateDir != null) {
      builder.stateDir(stateDir);
    }
    if (retention != null) {
      Duration window = parseRetention(retention, spec);
      if (window == null) {
        builder.retainFinishedRunsForever();
      } else {
        builder.retention(window);
      }
    }
    if (streamRetention != null) {
      Duration window = parseRetention(streamRetention, spec);
      if (window == null || window.isZero()) {
        throw new ParameterException(spec.commandLine(), "--stream-retention " + streamRetention + ": token streams are transient; give a window, e.g. 1d");
      }
      builder.streamRetention(window);
    }
    if (maxStreamFollowers < 1) {
      throw new ParameterException(spec.commandLine(), "--max-stream-followers must be at least 1, not " + maxStreamFollowers);
    }
    builder.maxStreamFollowers(maxStreamFollowers);
    streamsConfig.forEach(builder::streamsConfig);
    if (identityJwks != null) {
      builder.approverIdentity(io.stepstream.engine.ApproverIdentity.jwks(identityJwks).issuer(identityIssuer).audience(identityAudience)
          .usernameClaim(identityUsernameClaim).groupsClaim(identityGroupsClaim));
    } else if (identityIssuer != null || identityAudience != null) {
      throw new ParameterException(spec.commandLine(), "--identity-issuer and --identity-audience need --identity-jwks FILE (the provider's keys)");
    }
    if (!httpAdminGroups.isEmpty()) {
      if (identityJwks == null) {
        throw new ParameterException(spec.commandLine(), "--http-admin-group needs --identity-jwks: admin groups come from verified tokens");
      }
      builder.httpAdminGroups(httpAdminGroups.toArray(String[]::new));
    }
    builder.emitTopics(emitTopics.toArray(String[]::new));
    builder.taskQueues(taskQueues.toArray(String[]::new));
    wireFormat.applyTo(builder);
    List<String> registrars = registerWorkflowsOfTheJars(builder, workflowClassLoader());
    if (registrars.isEmpty()) {
      throw new ParameterException(spec.commandLine(),
          "no io.stepstream.WorkflowRegistrar in " + workflowJars
              + ": list your registrar class in META-INF/services/io.stepstream.WorkflowRegistrar inside the jar");
    }
    Stepstream engine = builder.build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      engine.close();
      stopped.countDown();
    }, "stepstream-shutdown"));
    engine.start();
    System.out.println("stepstream engine ready: workflows " + engine.workflowTypes() + " from " + registrars
        + ", cluster " + engine.bootstrapServers() + ", topics " + engine.topics().prefix() + ".*");
    if (engine.httpAddress() != null) {
      System.out.println("health and metrics: http://" + HttpBind.hostForUrl(engine.httpAddress()) + ":" + engine.httpAddress().getPort()
          + " (/health/live, /health/ready, /metrics); web console: http://" + HttpBind.hostForUrl(engine.httpAddress()) + ":"
          + engine.httpAddress().getPort() + "/console/");
    }
    stopped.await();
    return 0;
  }

  /**
   * Only registrars listed in the --workflows jars' own service files: this jar carries the demo's
   * example workflows, which an engine for your workflows must not pick up (ServiceLoader would
   * find them through the parent loader).
   */
  private static List<String> registerWorkflowsOfTheJars(Stepstream.Builder builder, URLClassLoader jars) throws Exception {
    List<String> found = new ArrayList<>();
    var files = jars.findResources("META-INF/services/" + WorkflowRegistrar.class.getName());
    while (files.hasMoreElements()) {
      URL file = files.nextElement();
      try (var in = file.openStream()) {
        for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\\R")) {
          String className = line.replaceAll("#.*", "").trim();
          if (className.isEmpty()) {
            continue;
          }
          Class<? extends WorkflowRegistrar> type = Class.forName(className, true, jars).asSubclass(WorkflowRegistrar.class);
          builder.register(type.getConstructor().newInstance());
          found.add(className);
        }
      }
    }
    return found;
  }

  /** {@code --wire-format}, or null for the default. */
  WireFormat wireFormat() {
    return wireFormat.parsed();
  }

  /** {@code --retention}: a window, or null for forever. */
  static Duration parseRetention(String value, CommandSpec spec) {
    String v = value.trim().toLowerCase(java.util.Locale.ROOT);
    if (v.equals("forever") || v.equals("-1")) {
      return null;
    }
    try {
      if (v.startsWith("p")) {
        Duration d = Duration.parse(value.trim().toUpperCase(java.util.Locale.ROOT));
        if (!d.isNegative()) {
          return d;
        }
      } else if (v.equals("0")) {
        return Duration.ZERO;
      } else if (v.length() > 1) {
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        Duration d = switch (v.charAt(v.length() - 1)) {
          case 'd' -> Duration.ofDays(n);
          case 'h' -> Duration.ofHours(n);
          case 'm' -> Duration.ofMinutes(n);
          case 's' -> Duration.ofSeconds(n);
          default -> null;
        };
        if (d != null && !d.isNegative()) {
          return d;
        }
      }
    } catch (RuntimeException e) {
      // said below
    }
    throw new ParameterException(spec.commandLine(),
        "--retention " + value + ": expected e.g. 7d, 12h, 30m, 45s, P7D, 0 (removed as soon as they finish) or forever");
  }

  /** {@code --http-bind HOST:PORT}, or null for {@code off}. */
  record HttpBind(String host, int port) {
    static HttpBind parse(String value, CommandSpec spec) {
      if (value == null || value.equalsIgnoreCase("off")) {
        return null;
      }
      int colon = value.lastIndexOf(':');
      try {
        if (colon > 0) {
          String host = value.substring(0, colon);
          if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // [::1]:8080
          }
          int port = Integer.parseInt(value.substring(colon + 1));
          if (port >= 0 && port <= 65_535) {
            return new HttpBind(host, port);
          }
        }
      } catch (NumberFormatException e) {
        // said below
      }
      throw new ParameterException(spec.commandLine(), "--http-bind " + value + ": expected HOST:PORT (e.g. 0.0.0.0:8080, 127.0.0.1:0) or off");
    }

    static String hostForUrl(java.net.InetSocketAddress address) {
      String host = address.getHostString();
      return host.contains(":") ? "[" + host + "]" : host;
    }
  }

  private URLClassLoader workflowClassLoader() throws MalformedURLException {
    List<URL> urls = new ArrayList<>();
    for (Path jar : workflowJars) {
      if (!Files.isRegularFile(jar)) {
        throw new ParameterException(spec.commandLine(), "--workflows " + jar + ": no such file");
      }
      urls.add(jar.toUri().toURL());
    }
    // parent = the engine's loader: workflow jars see stepstream-api and share its classes
    return new URLClassLoader(urls.toArray(URL[]::new), Stepstream.class.getClassLoader());
  }
}
