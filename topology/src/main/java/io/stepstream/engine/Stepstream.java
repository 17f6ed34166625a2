package io.stepstream.engine;

import io.stepstream.RetryPolicy;
import io.stepstream.Workflow;
import io.stepstream.client.Topics;
import io.stepstream.client.WireFormat;
import io.stepstream.client.WorkflowClient;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import io.stepstream.internal.client.AccessErrors;
import io.stepstream.internal.engine.DevBroker;
import io.stepstream.internal.engine.RecordLimits;
import io.stepstream.internal.executor.RecordLimit;
import io.stepstream.client.KafkaProperties;
import io.stepstream.internal.engine.TopicProvisioner;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.WireCodec;
import io.stepstream.internal.orchestrator.OutputEncoders;
import io.stepstream.internal.executor.ExecutionPool;
import io.stepstream.internal.executor.KafkaOutcomePublisher;
import io.stepstream.internal.approvals.ApprovalKey;
import io.stepstream.internal.approvals.ApprovalKeyring;
import io.stepstream.internal.executor.ExecutionTelemetry;
import io.stepstream.internal.executor.StepTracer;
import io.stepstream.internal.engine.EngineHealth;
import io.stepstream.internal.engine.EngineStatus;
import io.stepstream.internal.engine.EngineTelemetry;
import io.stepstream.internal.approvals.ApprovalTokens;
import io.stepstream.internal.orchestrator.ApprovalGuard;
import io.stepstream.internal.orchestrator.EngineMetrics;
import io.stepstream.internal.orchestrator.ExecutionLauncher;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import io.stepstream.internal.orchestrator.ResumeMarkers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Stepstream engine instance: the orchestrator (Kafka Streams, exactly-once v2) plus the executor
 * pool that runs workflow code. Start as many instances with the same {@code applicationId} as you
 * like; Kafka spreads the runs over them.
 *
 * <pre>{@code
 * try (Stepstream engine = Stepstream.builder()
 *         .bootstrapServers("broker-1:9093")
 *         .kafkaProperties(KafkaProperties.load(Path.of("client.properties")))  // SASL/TLS, like --command-config
 *         .approvalSecret(System.getenv("STEPSTREAM_APPROVAL_SECRET"))
 *         .register("greet", String.class, (ctx, name) ->
 *             ctx.step("hello", String.class, s -> "hello " + name))
 *         .build()
 *         .start()) {
 *   RunResult result = engine.client().start("greet", "run-1", "ada").await(Duration.ofSeconds(30));
 *   System.out.println(result.output(String.class)); // hello ada
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@code build()} -> {@code start()} (creates missing topics, starts processing, returns
 * once this instance's tasks run with their stores restored, or throws with the reason it cannot)
 * -> {@code close()} (stops executions at their next step boundary, commits, leaves the group, stops
 * the dev broker if it started one).
 *
 * <p>Observability, all off unless asked: {@link Builder#httpServer} ({@code /health/live}, {@code
 * /health/ready}, {@code /metrics}), {@link Builder#meterRegistry}, {@link Builder#jmx}. Always on:
 * the run id, workflow type and step in the SLF4J MDC ({@code stepstream.runId}, {@code
 * stepstream.workflowType}, {@code stepstream.step}); a request's W3C {@code traceparent} on every
 * record of its run; a span per step attempt when an OpenTelemetry SDK is registered.
 *
 * <p>An engine needs a cluster: {@link Builder#bootstrapServers}. Only {@link Builder#devMode()}
 * starts an embedded single-node broker, and only with {@code stepstream-dev-kafka} on the classpath.
 * Workflow types come from {@link Builder#register} or from {@link WorkflowRegistrar}s found with
 * {@link Builder#discoverWorkflows(ClassLoader)} (what {@code stepstream engine --workflows} does).
 */
public final class Stepstream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Stepstream.class);

  private final Builder config;
  private final EngineTelemetry telemetry;
  private final EngineMetrics metrics;
  private DevBroker embedded;
  private String bootstrapServers;
  private final EngineHealth health = new EngineHealth();
  private ExecutionPool pool;
  private KafkaOutcomePublisher publisher;
  /** Step attempts' partial output (docs/streams.md); its producer exists once a step streamed. */
  private io.stepstream.internal.streams.KafkaStreamWriter streamWriter;
  /** {@code GET /api/runs/{id}/stream}: its threads end with the engine. */
  private io.stepstream.internal.streams.StreamRoute streamRoute;
  /** Where step results and outputs above the claim-check threshold go (ADR 0021). */
  private io.stepstream.internal.payloads.KafkaPayloadStore payloadStore;
  private java.util.concurrent.ExecutorService markerSender;
  private KafkaStreams streams;
  /** Reads the stream threads' commit latency for the commit pacer, off the stream threads. */
  private io.stepstream.internal.orchestrator.CommitLatency commitLatency;
  private WorkflowClient client;
  private RecordLimit recordLimit;
  /** Finished runs are removed this long after they end; null: kept forever (ADR 0015). */
  private Duration retention;
  private WireCodec wire;
  private io.stepstream.internal.console.ConsoleRoutes console;

  private Stepstream(Builder config) {
    this.config = config;
    this.telemetry = new EngineTelemetry(config.applicationId(), config.meterRegistry, config.httpHost != null);
    this.metrics = telemetry.metrics();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Creates missing topics and starts processing; returns when this instance is RUNNING. */
  public synchronized Stepstream start() {
    try {
      if (config.httpHost != null) {
        // first, so probes see "starting" (ready 503) for as long as start() takes
        telemetry.startHttp(config.httpHost, config.httpPort, health::liveness, health::readiness);
      }
      health.phase("creating topics");
      bootstrapServers = config.bootstrapServers;
      if (config.devMode) {
        embedded = DevBroker.start(config.embeddedDataDir());
        bootstrapServers = embedded.bootstrapServers();
        LOG.info("dev mode: started an embedded Kafka broker at {} (data in {})", bootstrapServers, config.embeddedDataDir());
      }
      provisionTopics();
      wire = openWireFormat();
      mountConsole();
      pool = new ExecutionPool(config.executorThreads);
      health.pool(pool);
      telemetry.bindPool(pool);
      publisher = new KafkaOutcomePublisher(clientConfig(), config.topics().stepOutcomes(), config.outcomeAckTimeout, recordLimit, metrics);
      payloadStore = new io.stepstream.internal.payloads.KafkaPayloadStore(clientConfig(), config.topics().payloads(),
          Math.min(io.stepstream.internal.payloads.Chunks.DEFAULT_CHUNK_BYTES, recordLimit.bytes()), config.outcomeAckTimeout);
      publisher.useClaimChecks(io.stepstream.internal.payloads.ClaimChecks.using(payloadStore, config.claimCheckThreshold, config.maxPayloadSize));
      telemetry.bindPublisher(publisher);
      var tracer = config.openTelemetry != null ? StepTracer.of(config.openTelemetry) : StepTracer.global();
      var launcher = new ExecutionLauncher(config.registry, publisher, pool, Clock.systemUTC(), new ExecutionTelemetry(metrics, tracer),
          config.emitTopics())
          .maxParallelStepsPerRun(config.maxParallelStepsPerRun)
          .streamWriter(streamWriter = new io.stepstream.internal.streams.KafkaStreamWriter(clientConfig(), config.topics().streams()))

          .flowControl(config.flowControl());
      // off the stream thread: a send may wait for metadata (max.block.ms), and init must not
      markerSender = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stepstream-resume-markers");
        t.setDaemon(true);
        return t;
      });
      ResumeMarkers markers = (partition, markerId) -> markerSender.execute(() -> publisher.sendMarker(partition, markerId));
      var settings = config.orchestratorSettings().withRecordLimit(recordLimit).withRetention(retention);
      LOG.info("finished runs are removed from the stores {} after they end (retention; a request for a removed run id starts a new run)",
          io.stepstream.internal.engine.RetentionWindow.describe(retention));
      ApprovalGuard guard = approvalGuard();
      var pacer = new io.stepstream.internal.orchestrator.CommitPacer(settings.earlyCommitBelowRecordsPerSecond());
      var topology = OrchestratorTopology.build(config.topics(), launcher, metrics, settings, guard, markers, wire, pacer);
      streams = new KafkaStreams(topology, streamsConfig());
      commitLatency = io.stepstream.internal.orchestrator.CommitLatency.track(streams);
      var latency = commitLatency;
      pacer.commitLatency(latency::averageMs);
      mountQueries(settings.partitions(), guard);
      telemetry.bindStreams(streams);
      health.streams(streams);
      health.phase("waiting for Kafka Streams to run (partitions assigned, state restored)");
      awaitRunning();
      mountAdminRoutes();
      health.started();
      if (config.jmx) {
        ExecutionPool executors = pool;
        telemetry.registerJmx(new EngineStatus(metrics, () -> executors, health::liveness, health::readiness));
      }
      return this;
    } catch (IOException e) {
      close();
      // the dev broker's data dir, or the dev approval secret in the state dir
      throw new UncheckedIOException("could not start Stepstream: " + e.getMessage() + " (check that the state dir is writable)", e);
    } catch (RuntimeException e) {
      close();
      throw e;
    } catch (Exception e) {
      close();
      throw new IllegalStateException("could not start Stepstream against " + bootstrapServers + ": " + e.getMessage(), e);
    }
  }

  /** {@code /api/admin} (ADR 0016): commands and the DLQ over HTTP, through this instance's client, as the HTTP caller. */
  private void mountAdminRoutes() {
    if (telemetry.http() == null) {
      return;
    }
    Duration answerWithin = Duration.ofSeconds(10);
    telemetry.http().route(io.stepstream.internal.admin.AdminRoutes.PREFIX, new io.stepstream.internal.admin.AdminRoutes(httpAuth(),
        new io.stepstream.internal.admin.AdminOperations() {
          @Override
          public io.stepstream.client.CommandResult terminate(String runId, String reason, String by) {
            return answered(() -> client().terminate(runId, reason, by, answerWithin));
          }

          @Override
          public io.stepstream.client.CommandResult cancel(String runId, String reason, String by) {
            return answered(() -> client().cancel(runId, reason, by, answerWithin));
          }

          @Override
          public io.stepstream.client.CommandResult resume(String runId, String by) {
            return answered(() -> client().resume(runId, by, answerWithin));
          }

          @Override
          public io.stepstream.client.CommandResult restart(String runId, String fromStep, String reason, String by) {
            return answered(() -> {
              io.stepstream.client.RestartResult r = client().restart(runId, fromStep, reason, by, answerWithin);
              return new io.stepstream.client.CommandResult(runId, r.commandId(), "restart", r.accepted(), r.detail());
            });
          }

          @Override
          public io.stepstream.client.ResumeParkedResult resumeParked(java.util.Optional<String> workflowType, String by) {
            return client().resumeParked(workflowType, by);
          }

          @Override
          public io.stepstream.client.DeadLetterPage deadLetters(io.stepstream.client.DeadLetterQuery query) {
            return client().deadLetters().list(query);
          }

          @Override
          public io.stepstream.client.RedriveResult redrive(java.util.List<io.stepstream.client.DeadLetterRef> refs, String by) {
            return client().deadLetters().redrive(refs, by);
          }
        }));
  }

  /** A command's answer, or null if the engine did not answer in time (the HTTP caller then reads the run's events). */
  private static io.stepstream.client.CommandResult answered(java.util.function.Supplier<io.stepstream.client.CommandResult> command) {
    try {
      return command.get();
    } catch (io.stepstream.WorkflowTimeoutException e) {
      return null;
    }
  }

  /** A client bound to this instance's cluster and topics (created on first use, closed with the engine). */
  public synchronized WorkflowClient client() {
    if (client == null) {
      client =
          WorkflowClient.builder()
              .kafkaProperties(config.kafkaProperties)
              .bootstrapServers(bootstrapServers())
              .topicPrefix(config.topicPrefix)
              .wireFormat(config.wireFormat())
              .claimCheckThreshold(config.claimCheckThreshold)
              .build();
    }
    return client;
  }

  public String bootstrapServers() {
    if (bootstrapServers == null) {
      throw new IllegalStateException("not started: call start() first");
    }
    return bootstrapServers;
  }

  public Topics topics() {
    return config.topics();
  }

  /** The workflow types this instance runs, sorted. */
  public java.util.SortedSet<String> workflowTypes() {
    return new java.util.TreeSet<>(config.registry.types());
  }

  /** Counters of this instance: runs started and finished, duplicates and stale outcomes ignored, dead letters. */
  public String metricsSummary() {
    return metrics.toString();
  }

  /** Duplicate step outcomes ignored by this instance (first outcome per step wins). */
  public long duplicateOutcomesIgnored() {
    return metrics.duplicateOutcomes.get();
  }

  public KafkaStreams.State state() {
    return streams == null ? KafkaStreams.State.NOT_RUNNING : streams.state();
  }

  /**
   * Where the HTTP endpoint listens ({@code /health/live}, {@code /health/ready}, {@code /metrics}),
   * with the real port when 0 was asked for; null when it is off. Set as soon as {@link #start()}
   * begins, so probes can watch the start.
   */
  public java.net.InetSocketAddress httpAddress() {
    return telemetry.httpAddress();
  }

  /** Tests only (see {@code EngineTestHooks}): this instance's Kafka Streams, null before start(). */
  KafkaStreams streamsForTests() {
    return streams;
  }

  /** The registry this engine's meters are in: the one given to the builder, or its own. */
  public io.micrometer.core.instrument.MeterRegistry meterRegistry() {
    return telemetry.registry();
  }

  @Override
  public synchronized void close() {
    health.closing();
    if (console != null) {
      console.close(); // ends the console's live streams before the endpoint stops
      console = null;
    }
    if (streamRoute != null) {
      streamRoute.close(); // ends the token streams before the endpoint stops
      streamRoute = null;
    }
    telemetry.close();
    if (client != null) {
      client.close();
      client = null;
    }
    if (commitLatency != null) {
      commitLatency.close();
      commitLatency = null;
    }
    if (streams != null) {
      // leave the group so a restarted instance does not wait a session timeout for this one
      streams.close(
          org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                  org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
              .withTimeout(Duration.ofSeconds(30)));
      streams = null;
    }
    if (pool != null) {
      pool.close();
      pool = null;
    }
    if (markerSender != null) {
      markerSender.shutdownNow();
      markerSender = null;
    }
    if (publisher != null) {
      publisher.close();
      publisher = null;
    }
    if (streamWriter != null) {
      streamWriter.close();
      streamWriter = null;
    }
    if (payloadStore != null) {
      payloadStore.close();
      payloadStore = null;
    }
    if (wire != null) {
      wire.close();
      wire = null;
    }
    if (embedded != null) {
      try {
        embedded.close();
      } catch (Exception e) {
        LOG.warn("could not stop the dev broker cleanly: {}", e.toString());
      }
      embedded = null;
    }
  }

  /**
   * The wire format of what this engine writes to public topics. In the registry format the schemas
   * are registered now: a registry that cannot be reached fails start() (naming it) instead of the
   * first result, and no stream thread ever waits for it (ids are cached from here on).
   */
  private WireCodec openWireFormat() {
    var codec = WireCodec.forEngine(config.wireFormat(), config.kafkaProperties);
    try {
      OutputEncoders.of(codec, config.topics()).prepare();
    } catch (RuntimeException e) {
      codec.close();
      throw new IllegalStateException("could not register Stepstream's schemas with the schema registry at " + codec.registryUrl()
          + ": " + e.getMessage() + " (check " + WireFormat.REGISTRY_URL + " and the registry's credentials in the"
          + " Kafka properties, or choose another wireFormat)", e);
    }
    LOG.info("results, events, approval requests and dead letters are written as {}{}", config.wireFormat(),
        codec.registryUrl() == null ? "" : " (schema registry " + codec.registryUrl() + ")");
    return codec;
  }

  /** The web console and its routes (whoami, decisions, live events), when the HTTP endpoint is on. */
  private void mountConsole() {
    var endpoint = telemetry.http();
    if (endpoint == null) {
      return;
    }
    var live = new io.stepstream.internal.console.LiveEvents(clientConfig(), config.topics().events(), wire.reader()::auditEvent,
        io.stepstream.internal.console.ConsoleRoutes.MAX_LIVE_STREAMS);
    var auth = config.httpAuthOverride != null ? config.httpAuthOverride : httpAuth();
    console = io.stepstream.internal.console.ConsoleRoutes.mount(endpoint, auth, decision -> client().decide(decision), live);
  }

  /**
   * Who may use the HTTP API and console: callers with a JWT of the approver identity provider when
   * one is configured (admins: httpAdminGroups), else anyone in dev mode (names unverified), else nobody.
   */
  private io.stepstream.internal.http.HttpAuth httpAuth() {
    if (config.approverIdentity != null) {
      // the identity provider that proves approvers also proves HTTP callers, dev mode or not
      return new io.stepstream.internal.http.JwtHttpAuth(config.approverIdentity.verifier(), config.httpAdminGroups, Clock.systemUTC());
    }
    return config.devMode ? new io.stepstream.internal.http.DevModeAuth() : new io.stepstream.internal.http.ClosedAuth();
  }

  // ---- queries (io.stepstream.internal.query) ----

  /**
   * With the HTTP endpoint on, every instance advertises it as Kafka Streams' {@code application.server}
   * so any instance can answer a query about any run: the owner's stores answer, others forward.
   */
  private void mountQueries(int partitions, ApprovalGuard guard) {
    if (telemetry.http() == null) {
      return;
    }
    String[] advertised = advertisedHttpAddress().split(":(?=[0-9]+$)");
    var self = new org.apache.kafka.streams.state.HostInfo(advertised[0], Integer.parseInt(advertised[1]));
    var queries = new io.stepstream.internal.query.RunQueries(streams, self, partitions, config.topics().requests(), guard::issue);
    var auth = config.httpAuthOverride != null ? config.httpAuthOverride : httpAuth();
    new io.stepstream.internal.query.QueryRoutes(queries, auth)
        .withStreams(streamRoute = new io.stepstream.internal.streams.StreamRoute(auth, clientConfig(), config.topics().streams(),
            io.stepstream.internal.streams.StreamRunLookup.of(queries), config.maxStreamFollowers))
        .mount(telemetry.http());
    new io.stepstream.internal.query.SessionRoutes(new io.stepstream.internal.query.SessionQueries(streams, self, partitions,
        config.topics().requests(), config.registry::session), auth).mount(telemetry.http()); // ADR 0017
  }

  /** host:port other instances reach this one's HTTP endpoint at ({@code application.server}). */
  private String advertisedHttpAddress() {
    String host = config.httpAdvertisedHost;
    if (host == null) {
      host = config.httpHost;
      if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.isEmpty()) {
        try {
          host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
          throw new IllegalStateException("the HTTP endpoint is bound to " + config.httpHost + " and this machine's host name is unknown ("
              + e.getMessage() + "); set httpAdvertisedHost(...) / --http-advertised-host to the name other instances reach it by", e);
        }
      }
    }
    return host + ":" + telemetry.httpAddress().getPort();
  }

  private ApprovalGuard approvalGuard() throws IOException {
    ApprovalGuard guard = ApprovalGuard.of(approvalTokens()).withTokenGrace(config.approvalTokenGrace);
    if (config.approverIdentity == null) {
      LOG.info("approvers are not verified: a decision's approver and groups are taken as sent (see approverIdentity(...))");
      return guard;
    }
    LOG.info("approvers are verified: {}", config.approverIdentity);
    return guard.withIdentity(config.approverIdentity.verifier());
  }

  /**
   * Approval tokens need keys shared by every instance. Without a signing key, only a single dev
   * instance on the embedded broker may make one up (kept in its state dir); anything else must choose.
   */
  private ApprovalTokens approvalTokens() throws IOException {
    if (config.approvalSigningKey != null) {
      return ApprovalTokens.of(config.keyring(config.approvalSigningKey), config.acceptLegacyApprovalTokens);
    }
    if (config.approvalVerificationDisabled) {
      LOG.warn("approval token verification is DISABLED: anyone who can write to {} can decide any approval", config.topics().approvals());
      return ApprovalTokens.verificationDisabled();
    }
    if (embedded == null) {
      throw new IllegalStateException(
          "no approval signing key: set Stepstream.builder().approvalSigningKey(kid, secret) (or approvalSecret(secret)) to the same"
              + " secret (16+ bytes) on every instance, or call disableApprovalTokenVerification() if every writer of "
              + config.topics().approvals() + " is trusted");
    }
    java.nio.file.Path file = config.stateDir().resolve("approval-secret");
    if (!java.nio.file.Files.exists(file)) {
      java.nio.file.Files.createDirectories(file.getParent());
      byte[] random = new byte[32];
      new java.security.SecureRandom().nextBytes(random);
      java.nio.file.Files.writeString(file, java.util.HexFormat.of().formatHex(random));
      LOG.info("dev mode: generated an approval secret in {}", file);
    }
    ApprovalKey generated = ApprovalKey.of(ApprovalTokens.DEFAULT_KID, java.nio.file.Files.readString(file).trim());
    return ApprovalTokens.of(config.keyring(generated), config.acceptLegacyApprovalTokens);
  }

  private void provisionTopics() throws Exception {
    try (Admin admin = Admin.create(clientConfig())) {
      int brokers;
      try {
        brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw AccessErrors.describeOr(e, clientConfig(), null, null, "so this engine instance cannot start",
            new IllegalStateException(
                "could not reach the Kafka cluster at " + bootstrapServers + ": " + rootMessage(e)
                    + " (check bootstrap servers, security.protocol and credentials in the Kafka client properties)",
                e));
      }
      short rf = config.replicationFactor > 0 ? config.replicationFactor : (short) Math.min(3, brokers);
      config.partitionsInForce = TopicProvisioner.ensure(admin, config.topics(), config.partitions, rf, clientConfig(), config.streamRetention);
      config.effectiveReplicationFactor = rf;
      recordLimit = readRecordLimit(admin);
      retention = config.retentionChosen ? config.retention : readRetention(admin);
      TopicProvisioner.ensureTaskTopics(admin, config.emitTopics().taskTopicNames(), config.partitionsInForce, rf, clientConfig());
      io.stepstream.internal.engine.EmitTopicCheck.requireExisting(admin, config.emitTopics(), bootstrapServers);
    }
  }

  /** Retention of finished runs when none was configured: the results topic's retention.ms (ADR 0015). */
  private Duration readRetention(Admin admin) throws Exception {
    try {
      return io.stepstream.internal.engine.RetentionWindow.ofResultsTopic(admin, config.topics());
    } catch (java.util.concurrent.ExecutionException e) {
      RuntimeException clear = AccessErrors.describe(e, clientConfig(), "DESCRIBE_CONFIGS", null,
          "so this engine cannot read retention.ms of " + config.topics().results() + " (the default retention of finished runs);"
              + " grant it, or set the retention explicitly (Stepstream.Builder.retention, --retention)");
      throw clear != null ? clear : e;
    }
  }

  /** The largest record this instance writes, from the topics' max.message.bytes and the producers' max.request.size. */
  private RecordLimit readRecordLimit(Admin admin) throws Exception {
    try {
      var changelogs = RecordLimits.changelogs(admin.listTopics().names().get(30, TimeUnit.SECONDS), config.applicationId());
      RecordLimit limit = RecordLimits.read(admin, config.topics(), changelogs, config.maxRequestSize());
      LOG.info("records written by this engine may be at most {}", limit.describe());
      return limit;
    } catch (java.util.concurrent.ExecutionException e) {
      RuntimeException clear = AccessErrors.describe(e, clientConfig(), "DESCRIBE_CONFIGS", null,
          "so this engine cannot read max.message.bytes of its topics and cannot start");
      throw clear != null ? clear : e;
    }
  }

  /** The user's Kafka client properties (security, etc.) plus this instance's cluster: every client we create starts from these. */
  private Map<String, Object> clientConfig() {
    Map<String, Object> c = new HashMap<>(config.kafkaProperties);
    c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return c;
  }

  private Properties streamsConfig() {
    Properties p = new Properties();
    // the user's client properties (security protocol, SASL, TLS, ...) reach every client Streams creates
    p.putAll(config.kafkaProperties);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval.toMillis());
    p.put(StreamsConfig.POLL_MS_CONFIG, config.pollInterval.toMillis());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.effectiveReplicationFactor);
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 100);
    // a task reads four co-partitioned topics; there is no cross-topic time order to wait for, so
    // never hold back a record because another of the task's partitions has not been fetched yet
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    // record order: arrival (wall clock), set per source by the topology (ArrivalTimeExtractor, ADR 0005)
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    // A transaction that starts while the previous one's markers are still being written is told
    // CONCURRENT_TRANSACTIONS and retries after retry.backoff.ms: 100 ms by default, which became the
    // p99 of single runs once results commit at once (CommitPacer; measured: 1 % of single runs
    // waited ~100 ms). Retry after 5 ms instead.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 5);
    // An instance that dies mid-transaction leaves it open, and every read_committed reader of the
    // partitions it wrote (clients reading results, among others) is held at that point until the
    // transaction coordinator aborts it: transaction.timeout.ms after it began, at its next cleanup
    // pass (broker: transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s by default).
    // Transactions here last one commit interval (50 ms), so 5 s plus two intervals instead of
    // Streams' 10 s is ample (derived from the commit interval: see Builder.transactionTimeoutMs).
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) config.transactionTimeoutMs());
    // Failover: a killed instance's partitions move once the group notices it is gone, after
    // session.timeout.ms (Kafka's default 45 s; measured: 44-52 s of stalled runs). 6 s is the
    // broker's minimum by default; the cost is that a JVM pause longer than that (GC, CPU
    // starvation) also moves partitions, which is safe (fenced, resumed) but costs a rebalance.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_500);
    // poison input never stops a partition: records that fail outside our own handling go to the DLQ
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.topics().deadLetters());
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueProcessingExceptionHandler.class);
    if (telemetry.http() != null) {
      // queries: other instances find the owner of a run's partition by this address (RunQueries)
      p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertisedHttpAddress());
    }
    p.putAll(config.streamsOverrides);
    return p;
  }

  /**
   * Starts Kafka Streams and waits until this instance can process: every thread RUNNING, which
   * Kafka Streams reaches only once the assigned tasks' stores are restored. A stream thread that
   * dies before then (authorization, a missing topic, a broken state dir) fails start() with its
   * reason instead of being replaced forever; after start, a dead thread is replaced.
   */
  private void awaitRunning() throws InterruptedException {
    CountDownLatch settled = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<Throwable> startFailure = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.RUNNING || now == KafkaStreams.State.ERROR || now == KafkaStreams.State.PENDING_ERROR) {
            settled.countDown();
          }
        });
    streams.setUncaughtExceptionHandler(
        e -> {
          if (!started.get()) {
            startFailure.compareAndSet(null, e);
            settled.countDown();
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
          }
          LOG.error("a stream thread died; replacing it", e);
          health.threadFailed(rootMessage(e));
          return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.start();
    boolean inTime = settled.await(config.startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    Throwable failure = startFailure.get();
    if (failure != null) {
      RuntimeException denied = AccessErrors.describe(failure, clientConfig(), null, null,
          "so this engine instance (application id " + config.applicationId() + ") cannot start");
      if (denied != null) {
        throw denied;
      }
      throw new IllegalStateException(
          "Stepstream could not start against " + bootstrapServers + ": " + rootMessage(failure)
              + " (check the engine principal's ACLs and client properties: docs/security.md)",
          failure);
    }
    if (!inTime || streams.state() != KafkaStreams.State.RUNNING) {
      throw new IllegalStateException(
          "Stepstream did not become ready within " + config.startTimeout + " (Kafka Streams state " + streams.state()
              + "); check that " + bootstrapServers + " is reachable and that this instance may join group " + config.applicationId());
    }
    started.set(true);
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == t ? t.toString() : t.getMessage() + " <- " + root;
  }

  /** Configuration of one instance. Every setting has a default that works on one machine. */
  public static final class Builder implements WorkflowRegistration {
    private final WorkflowRegistry registry = new WorkflowRegistry();
    private final Map<String, Object> kafkaProperties = new HashMap<>();
    private boolean devMode;
    // registrations are applied at build(), so defaultRetryPolicy may come after register
    private final java.util.List<java.util.function.Consumer<WorkflowRegistry>> pending = new java.util.ArrayList<>();
    private final Map<String, Object> streamsOverrides = new HashMap<>();
    private final java.util.Set<String> emitTopics = new java.util.TreeSet<>();
    private final java.util.Set<String> taskQueues = new java.util.TreeSet<>();
    private String bootstrapServers;
    private Path embeddedDataDir;
    private String topicPrefix = Topics.DEFAULT_PREFIX;
    private String applicationId;
    private Path stateDir;
    private int partitions = 6;
    private short replicationFactor = -1;
    private short effectiveReplicationFactor = 1;
    private int executorThreads = 256;
    private int maxParallelStepsPerRun = 8;
    private Duration streamRetention = TopicProvisioner.DEFAULT_STREAM_RETENTION;
    private int maxStreamFollowers = 64;
    private int streamThreads = 1;
    private Duration commitInterval = Duration.ofMillis(50);
    private int earlyCommitBelow = OrchestratorTopology.Settings.DEFAULT_EARLY_COMMIT_BELOW;
    private Duration pollInterval = Duration.ofMillis(10);
    private Duration outcomeAckTimeout = Duration.ofSeconds(30);
    private int claimCheckThreshold = io.stepstream.internal.payloads.ClaimChecks.DEFAULT_THRESHOLD;
    private long maxPayloadSize = io.stepstream.internal.payloads.ClaimChecks.DEFAULT_MAX_PAYLOAD_SIZE;
    private Duration resumeDelay = Duration.ofSeconds(30);
    private Duration earlyInputTtl = Duration.ofMinutes(10);
    /** Set by retention(...) or retainFinishedRunsForever(); else the results topic's retention.ms is used. */
    private boolean retentionChosen;
    private Duration retention;
    private int maxRedispatches = 5;
    private boolean stackTracesInResults;
    private AuditLevel auditLevel = AuditLevel.FULL;
    private Duration watchdogAfter = Duration.ofMinutes(2);
    private int partitionsInForce = -1;
    private WireFormat wireFormat;
    private Duration timerTick = Duration.ofMillis(20);
    private RetryPolicy defaultRetry = RetryPolicy.DEFAULT;
    private ApprovalKey approvalSigningKey;
    private final java.util.List<ApprovalKey> approvalVerificationKeys = new java.util.ArrayList<>();
    private Duration approvalTokenGrace = ApprovalGuard.DEFAULT_TOKEN_GRACE;
    private boolean acceptLegacyApprovalTokens = true;
    private ApproverIdentity approverIdentity;
    private final java.util.Set<String> httpAdminGroups = new java.util.LinkedHashSet<>();
    private boolean approvalVerificationDisabled;
    private Duration startTimeout = Duration.ofSeconds(120);
    private String httpHost;
    private int httpPort;
    private String httpAdvertisedHost;
    /** Tests only (not API): who may use the query routes, instead of what {@code httpAuth()} picks. */
    private io.stepstream.internal.http.HttpAuth httpAuthOverride;
    private io.micrometer.core.instrument.MeterRegistry meterRegistry;
    private boolean jmx;
    private io.opentelemetry.api.OpenTelemetry openTelemetry;
    private final Map<String, Limiter> limiters = new java.util.TreeMap<>();
    private final java.util.List<io.stepstream.internal.limits.KeyBudgetSpec> keyBudgets = new java.util.ArrayList<>();

    private Builder() {}

    /**
     * Declares a named limiter that steps use with {@link io.stepstream.StepOptions#withLimiter}
     * (docs/flow-control.md). Declare the same limiters on every instance. A step naming a limiter no
     * instance declares parks its run ({@code UNKNOWN_LIMITER}) until it is declared.
     *
     * <pre>{@code
     * Stepstream.builder()
     *     .limiter(Limiter.named("openai-gpt-4o").maxConcurrent(8).requestsPerMinute(500).tokensPerMinute(30_000))
     *     .limiter(Limiter.named("search-api").requestsPerSecond(5))
     * }</pre>
     */
    public Builder limiter(Limiter limiter) {
      if (limiter == null) {
        throw new IllegalArgumentException("limiter must not be null");
      }
      if (limiters.containsKey(limiter.name())) {
        throw new IllegalArgumentException("limiter '" + limiter.name() + "' is declared twice");
      }
      limiters.put(limiter.name(), limiter);
      return this;
    }

    /**
     * A budget for every budget key starting with {@code keyPrefix}, each key its own: a step with
     * {@link io.stepstream.StepOptions#withBudgetKey} is refused ({@link io.stepstream.BudgetExceededException},
     * thrown by the step call, nothing runs) once its key has spent the budget. Spending is the usage
     * steps report; it is kept by the engine, across instances and restarts. The longest matching
     * prefix wins; {@code ""} matches every key.
     *
     * <pre>{@code
     * Stepstream.builder().keyBudget("tenant:", Budget.ofTokens(1_000_000))
     * // in a workflow:
     * try {
     *   ctx.step("draft", String.class, StepOptions.defaults().withBudgetKey("tenant:" + t.id()), s -> llm.write(t, s));
     * } catch (BudgetExceededException e) {
     *   return Answer.later("tenant " + e.budgetKey() + " is out of tokens");
     * }
     * }</pre>
     */
    public Builder keyBudget(String keyPrefix, io.stepstream.Budget budget) {
      return keyBudget(keyPrefix, budget, null);
    }

    /**
     * The same, renewed every {@code period} (periods aligned to the epoch in UTC: {@code
     * Duration.ofDays(1)} renews at midnight UTC); null: never renewed.
     */
    public Builder keyBudget(String keyPrefix, io.stepstream.Budget budget, Duration period) {
      if (keyPrefix == null || budget == null) {
        throw new IllegalArgumentException("keyBudget needs a key prefix (\"\" for every key) and a budget");
      }
      if (period != null && (period.isNegative() || period.isZero())) {
        throw new IllegalArgumentException("keyBudget '" + keyPrefix + "': the period must be positive, not " + period);
      }
      if (keyBudgets.stream().anyMatch(b -> b.prefix().equals(keyPrefix))) {
        throw new IllegalArgumentException("a key budget for prefix '" + keyPrefix + "' is declared twice");
      }
      keyBudgets.add(new io.stepstream.internal.limits.KeyBudgetSpec(keyPrefix, budget.maxTokens(), budget.maxCost(),
          period == null ? 0 : period.toMillis()));
      return this;
    }

    io.stepstream.internal.limits.FlowControl flowControl() {
      Map<String, io.stepstream.internal.limits.LimiterSpec> specs = new HashMap<>();
      limiters.forEach((name, l) -> specs.put(name,
          new io.stepstream.internal.limits.LimiterSpec(name, l.maxConcurrent(), l.requestsPerMinute(), l.tokensPerMinute(), l.lease())));
      return new io.stepstream.internal.limits.FlowControl(specs, keyBudgets);
    }

    /** Registers a workflow type under the name requests use; its steps retry with {@link #defaultRetryPolicy}. */
    @Override
    public <I, O> Builder register(String workflowType, Class<I> inputType, Workflow<I, O> workflow) {
      return register(workflowType, inputType, workflow, null);
    }

    /** Registers a workflow type whose steps retry with {@code retry} unless a step sets its own. */
    @Override
    public <I, O> Builder register(String workflowType, Class<I> inputType, Workflow<I, O> workflow, RetryPolicy retry) {
      pending.add(r -> r.register(workflowType, inputType, workflow, retry != null ? retry : defaultRetry));
      return this;
    }

    /**
     * Registers a session type (docs/sessions.md); its handlers' steps retry with {@link
     * #defaultRetryPolicy}. Usually declared with {@code session(name, State.class, State::new)}.
     *
     * <pre>{@code
     * Stepstream.builder().session("agent-session", Chat.class, Chat::empty)
     *     .exclusive("add-message", String.class, (ctx, chat, text) -> Turn.of(chat.with("user", text), null));
     * }</pre>
     */
    @Override
    public Builder register(io.stepstream.SessionType<?> sessionType) {
      pending.add(r -> r.registerSession(sessionType, defaultRetry));
      return this;
    }

    /** Registers every workflow type of {@code registrar}. */
    public Builder register(WorkflowRegistrar registrar) {
      registrar.registerWorkflows(this);
      return this;
    }

    /**
     * Registers the workflows of every {@link WorkflowRegistrar} that {@link java.util.ServiceLoader}
     * finds through {@code loader} (listed in {@code META-INF/services/io.stepstream.WorkflowRegistrar}).
     *
     * <pre>{@code
     * ClassLoader jar = new URLClassLoader(new URL[] {Path.of("my-workflows.jar").toUri().toURL()}, Stepstream.class.getClassLoader());
     * Stepstream.builder().discoverWorkflows(jar) ...
     * }</pre>
     *
     * @return the registrars found, by class name (empty if none)
     */
    public java.util.List<String> discoverWorkflows(ClassLoader loader) {
      java.util.List<String> found = new java.util.ArrayList<>();
      for (WorkflowRegistrar registrar : java.util.ServiceLoader.load(WorkflowRegistrar.class, loader)) {
        register(registrar);
        found.add(registrar.getClass().getName());
      }
      return found;
    }

    /**
     * Kafka client properties for every client this engine creates (Kafka Streams' consumers and
     * producers, the admin client, the step-outcome producer, its {@link #client()}): security
     * settings above all, as in a Kafka tool's {@code --command-config} file. Stepstream's own
     * settings (exactly-once, timeouts) are applied after these; {@link #streamsConfig} wins over both.
     * A {@code bootstrap.servers} here is used unless {@link #bootstrapServers} is set.
     *
     * <pre>{@code
     * Stepstream.builder()
     *     .bootstrapServers("broker-1:9093")
     *     .kafkaProperties(KafkaProperties.load(Path.of("/etc/stepstream/client.properties")))
     * // client.properties:
     * //   security.protocol=SASL_SSL
     * //   sasl.mechanism=SCRAM-SHA-512
     * //   sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="engine" password="...";
     * //   ssl.truststore.location=/etc/stepstream/truststore.p12
     * //   ssl.truststore.password=...
     * }</pre>
     */
    public Builder kafkaProperties(Map<String, ?> properties) {
      properties.forEach((k, v) -> kafkaProperties.put(k, v));
      return this;
    }

    /**
     * Dev mode: start an embedded single-node Kafka broker (data in {@code <stateDir>/kafka}, kept
     * across restarts) instead of using a cluster, and generate an approval secret if none is set.
     * For development and tests only; needs {@code io.stepstream:stepstream-dev-kafka} on the classpath.
     */
    public Builder devMode() {
      this.devMode = true;
      return this;
    }

    /** The retry policy of steps of workflows registered without one (default {@link RetryPolicy#DEFAULT}). */
    public Builder defaultRetryPolicy(RetryPolicy policy) {
      this.defaultRetry = java.util.Objects.requireNonNull(policy);
      return this;
    }

    /**
     * The secret approval tokens are signed with (HMAC-SHA256), under key id {@code "default"}: the
     * same as {@code approvalSigningKey("default", secret)}. The same on every instance, 16+ bytes.
     * Required unless running on the embedded broker (dev, a secret is generated) or verification is
     * explicitly disabled. To rotate it, see {@link #approvalSigningKey}.
     *
     * <pre>{@code
     * Stepstream.builder().approvalSecret(System.getenv("STEPSTREAM_APPROVAL_SECRET"))
     * }</pre>
     */
    public Builder approvalSecret(String secret) {
      return approvalSigningKey(ApprovalTokens.DEFAULT_KID, secret);
    }

    /**
     * The key new approval tokens are signed with: its id ({@code [A-Za-z0-9_-]}, up to 64) is written
     * into every token, so tokens signed with an older key still verify as long as that key is kept
     * with {@link #approvalVerificationKey}. The same on every instance; the secret is 16+ bytes.
     *
     * <p>Rotation, one rolling restart per step (docs/security.md, "Approvals"):
     * <pre>{@code
     * // 1. every instance learns the new key first (a token it signs must verify on every instance)
     * builder.approvalSigningKey("2026-01", oldSecret).approvalVerificationKey("2026-07", newSecret);
     * // 2. then signs with it; tokens of approvals pending since before still verify with the old key
     * builder.approvalSigningKey("2026-07", newSecret).approvalVerificationKey("2026-01", oldSecret);
     * // 3. once the last token the old key signed has expired (longest approval timeout + grace): drop it
     * builder.approvalSigningKey("2026-07", newSecret);
     * }</pre>
     */
    public Builder approvalSigningKey(String kid, String secret) {
      ApprovalKey key = ApprovalKey.of(kid, secret);
      this.approvalSigningKey = key;
      return this;
    }

    /**
     * A key that only verifies tokens (signed before a rotation, or by an instance already using it);
     * may be called once per key. A key id used twice with different secrets is refused at {@code build()}.
     *
     * <pre>{@code
     * Stepstream.builder()
     *     .approvalSigningKey("2026-07", newSecret)
     *     .approvalVerificationKey("default", secretOfRelease010)   // approvals pending since before the rotation
     * }</pre>
     */
    public Builder approvalVerificationKey(String kid, String secret) {
      approvalVerificationKeys.add(ApprovalKey.of(kid, secret));
      return this;
    }

    /**
     * How long an approval token stays valid after its approval's deadline (default 15 minutes), for
     * decisions sent just before the deadline and read after it (engine lag or downtime). A token never
     * lives longer than that: an approval resolves by decision or timeout, never later.
     */
    public Builder approvalTokenGrace(Duration grace) {
      if (grace == null || grace.isNegative()) {
        throw new IllegalArgumentException("approvalTokenGrace must be zero or positive, was " + grace);
      }
      this.approvalTokenGrace = grace;
      return this;
    }

    /**
     * Whether tokens in release 0.1.0's format (an HMAC with no key id and no expiry) are accepted
     * when one of this engine's keys made them (default true). They are only issued by 0.1.0 engines
     * and by 0.1.0 clients holding a secret; turn this off once every approval requested before the
     * upgrade has been decided or timed out (ADR 0008).
     */
    public Builder acceptLegacyApprovalTokens(boolean accept) {
      this.acceptLegacyApprovalTokens = accept;
      return this;
    }

    /**
     * Verify who approves: every decision must carry the approver's JWT from your identity provider
     * ({@code identityToken}); its user or groups must be allowed by the request, and the workflow's
     * {@code Approval.approver()} is that user, never the decision's self-asserted {@code approver}.
     * A decision without a valid token, or from someone not allowed, is not applied: it is recorded as
     * {@code DECISION_REJECTED} and dead-lettered ({@code IDENTITY_MISSING}, {@code IDENTITY_EXPIRED},
     * {@code IDENTITY_BAD_SIGNATURE}, ..., {@code APPROVER_NOT_ALLOWED}). Off by default.
     *
     * <pre>{@code
     * Stepstream.builder()
     *     .approvalSigningKey("2026-07", secret)
     *     .approverIdentity(ApproverIdentity.jwks(Path.of("/etc/stepstream/idp-jwks.json"))
     *         .issuer("https://login.example.com/realms/acme")
     *         .audience("stepstream")
     *         .usernameClaim("preferred_username")
     *         .groupsClaim("groups"))
     * }</pre>
     *
     * @throws IllegalStateException if the issuer or audience is missing or the JWKS has no RS256/ES256 key
     */
    public Builder approverIdentity(ApproverIdentity identity) {
      identity.verifier(); // fail now, not at start()
      this.approverIdentity = identity;
      return this;
    }

    /**
     * The groups (from the identity token's groups claim) whose members may run admin operations
     * through the HTTP API and console: terminate, cancel, resume, restart, DLQ redrive. Needs
     * {@link #approverIdentity}; without any admin group those operations are refused (403) outside
     * dev mode. May be called again to add more.
     *
     * <pre>{@code
     * Stepstream.builder().approverIdentity(identity).httpAdminGroups("stepstream-admins", "sre")
     * }</pre>
     */
    public Builder httpAdminGroups(String... groups) {
      for (String group : groups) {
        if (group == null || group.isBlank()) {
          throw new IllegalArgumentException("httpAdminGroups: a group name is null or blank");
        }
        httpAdminGroups.add(group.strip());
      }
      return this;
    }

    /** Accept decisions without checking their token: only when every writer of the approvals topic is trusted. */
    public Builder disableApprovalTokenVerification() {
      this.approvalVerificationDisabled = true;
      return this;
    }

    /** How often due timers (sleeps, retry backoffs) are looked for (default 20 ms): about their lateness. */
    public Builder timerTick(Duration d) {
      this.timerTick = d;
      return this;
    }

    /** The Kafka cluster (required unless {@link #devMode()}): {@code host:port[,host:port...]}. */
    public Builder bootstrapServers(String servers) {
      this.bootstrapServers = servers;
      return this;
    }

    /** Where the dev-mode broker keeps its log (default {@code <stateDir>/kafka}); survives restarts. */
    public Builder embeddedKafkaDataDir(Path dir) {
      this.embeddedDataDir = dir;
      return this;
    }

    public Builder topicPrefix(String prefix) {
      this.topicPrefix = prefix;
      return this;
    }

    /** Kafka Streams application id (default {@code <prefix>-engine}); instances with the same id share the work. */
    public Builder applicationId(String id) {
      this.applicationId = id;
      return this;
    }

    /** Local RocksDB state (default {@code ./.stepstream}); rebuilt from changelogs if lost. */
    public Builder stateDir(Path dir) {
      this.stateDir = dir;
      return this;
    }

    /** Partitions of topics this instance creates (default 6): the most instances that can share the work. */
    public Builder partitions(int n) {
      this.partitions = n;
      return this;
    }

    /** Replication factor of created topics (default: min(3, brokers)). */
    public Builder replicationFactor(int rf) {
      this.replicationFactor = (short) rf;
      return this;
    }

    /** Threads running workflow code (default 256): the most steps in flight on this instance. */
    public Builder executorThreads(int n) {
      this.executorThreads = n;
      return this;
    }

    /**
     * Server-sent event streams ({@code GET /api/runs/{runId}/stream}, docs/streams.md) this instance
     * serves at once (default 64); more are answered 503 with Retry-After. Each holds a thread of
     * its own and one Kafka consumer (a connection to the run's partition leader) while it lasts.
     * Java and other Kafka clients follow from the topic directly and are not counted.
     *
     * <pre>{@code
     * Stepstream.builder().maxStreamFollowers(200)
     * }</pre>
     */
    public Builder maxStreamFollowers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxStreamFollowers must be at least 1, not " + n);
      }
      this.maxStreamFollowers = n;
      return this;
    }

    /**
     * How long {@code <prefix>.streams} keeps steps' partial output (default 1 day), when this
     * engine creates the topic; an existing topic keeps its own {@code retention.ms}. Streams are
     * for watching a run as it happens: a follower that comes back later than this finds the
     * run's final value in its result, not its tokens (docs/streams.md).
     *
     * <pre>{@code
     * Stepstream.builder().streamRetention(Duration.ofHours(6))
     * }</pre>
     */
    public Builder streamRetention(Duration retention) {
      if (retention == null || retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("streamRetention must be positive, not " + retention);
      }
      this.streamRetention = retention;
      return this;
    }

    /**
     * Parallel branches ({@code ctx.stepAsync}) one run may have running at once (default 8); more
     * wait, in the order the code created them, until one finishes. Each running branch holds a
     * thread of its own, beside the run's executor thread.
     *
     * <pre>{@code
     * Stepstream.builder().maxParallelStepsPerRun(32)   // a research agent fanning out to 32 searches
     * }</pre>
     */
    public Builder maxParallelStepsPerRun(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxParallelStepsPerRun must be at least 1, not " + n);
      }
      this.maxParallelStepsPerRun = n;
      return this;
    }

    public Builder streamThreads(int n) {
      this.streamThreads = n;
      return this;
    }

    /**
     * How often the orchestrator commits its transaction under load (default 50 ms). Results become
     * visible at commit; steps do not wait for it. Larger = more runs per transaction (throughput), more
     * result latency under load. At low load results do not wait for it: see {@link #earlyCommitBelow}.
     */
    public Builder commitInterval(Duration d) {
      this.commitInterval = d;
      return this;
    }

    /**
     * Which audit events go to the events topic: {@link AuditLevel#FULL} (default, a complete trail)
     * or {@link AuditLevel#LEAN} (no routine per-step success events: fewer records per run, for
     * high-throughput deployments that audit from the journal). Histories are complete either way.
     *
     * <pre>{@code
     * Stepstream.builder().auditLevel(AuditLevel.LEAN)
     * }</pre>
     */
    public Builder auditLevel(AuditLevel level) {
      this.auditLevel = java.util.Objects.requireNonNull(level, "level");
      return this;
    }

    /**
     * Below this many orchestrator input records per second (requests, step outcomes, decisions,
     * signals; default 2,000, about 500 three-step runs/s), a result or approval request is committed at
     * once instead of at the next {@link #commitInterval}: low latency when the engine is idle enough
     * to afford a commit per result, batching when it is not. 0 always waits for the interval.
     *
     * <pre>{@code
     * Stepstream.builder().earlyCommitBelow(0)   // results always wait for the commit interval
     * }</pre>
     */
    public Builder earlyCommitBelow(int inputRecordsPerSecond) {
      if (inputRecordsPerSecond < 0) {
        throw new IllegalArgumentException("earlyCommitBelow must be >= 0, was " + inputRecordsPerSecond);
      }
      this.earlyCommitBelow = inputRecordsPerSecond;
      return this;
    }

    /** Kafka Streams {@code poll.ms} (default 10 ms): with an idle thread, commits happen no faster than this. */
    public Builder pollInterval(Duration d) {
      this.pollInterval = d;
      return this;
    }

    /**
     * After taking over a partition, unfinished runs are resumed as soon as the step outcomes that
     * were published before are read (so their steps do not run again); if that cannot be
     * confirmed, after this delay at the latest (default 30 s).
     */
    public Builder resumeDelay(Duration d) {
      this.resumeDelay = d;
      return this;
    }

    /**
     * How long approval decisions and events for a run id with no request yet are kept for it
     * (default 10 minutes); then they go to the DLQ as {@code UNKNOWN_RUN}. This is what makes
     * signal-with-start work: an event sent right after {@code start()} may be read before the request.
     */
    public Builder earlyInputTtl(Duration d) {
      this.earlyInputTtl = d;
      return this;
    }

    /**
     * How long a finished run (completed, failed, cancelled) stays in the engine's stores after it
     * ended; then its state, journal and timers are removed, with tombstones in their changelogs
     * (ADR 0015). While a run is stored, a request for its run id is a duplicate
     * ({@code DUPLICATE_REQUEST}, nothing starts); after, the same run id starts a new run. Runs that
     * have not finished (running, waiting, parked) are never removed.
     *
     * <p>Default: the results topic's {@code retention.ms}, read from the cluster at start (7 days on
     * a default broker), so a run is kept as long as its result; {@code -1} there keeps runs forever.
     * {@link Duration#ZERO}: removed as soon as they finish (duplicates are then recognised only while
     * a run is unfinished).
     *
     * <pre>{@code
     * Stepstream.builder().retention(Duration.ofDays(3))
     * }</pre>
     */
    public Builder retention(Duration window) {
      if (window == null || window.isNegative()) {
        throw new IllegalArgumentException("retention must be zero or positive, was " + window
            + "; to keep finished runs forever use retainFinishedRunsForever()");
      }
      this.retention = window;
      this.retentionChosen = true;
      return this;
    }

    /**
     * Step results and run outputs larger than this many bytes (encoded) are stored as chunks on the
     * compacted topic {@code <prefix>.payloads}, and the journal and the result carry a reference
     * (a claim check) instead; default 256 KiB. Callers notice nothing: the step's next use, the
     * {@code WorkflowClient}'s {@code RunResult} and child runs read the value back, verified by
     * its SHA-256. A value too large for the cluster's records is stored this way even below the
     * threshold. See docs/large-payloads.md.
     *
     * <pre>{@code
     * Stepstream.builder().claimCheckThreshold(64 * 1024)   // keep the journal's records small
     * }</pre>
     */
    public Builder claimCheckThreshold(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("claimCheckThreshold must be 0 or more bytes, was " + bytes);
      }
      this.claimCheckThreshold = bytes;
      return this;
    }

    /**
     * The largest step result or run output the engine accepts, in bytes (encoded); default 64 MiB.
     * A larger one fails its step at once, without retries, with error type {@code
     * PAYLOAD_TOO_LARGE} and a message naming the step, the size and this limit (a run output: the
     * run fails the same way). The bytes are held in memory while they are stored and read.
     *
     * <pre>{@code
     * // BAD: a workflow that passes whole files between steps: every step holds them in memory
     * // GOOD: steps pass a path or an object-store key; values of a few MB (LLM and tool outputs) are fine
     * Stepstream.builder().maxPayloadSize(16 * 1024 * 1024)
     * }</pre>
     */
    public Builder maxPayloadSize(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxPayloadSize must be positive, was " + bytes);
      }
      this.maxPayloadSize = bytes;
      return this;
    }

    /** Finished runs are never removed from the stores (they grow with every run ever started; see {@link #retention}). */
    public Builder retainFinishedRunsForever() {
      this.retention = null;
      this.retentionChosen = true;
      return this;
    }

    /**
     * Whether failed runs' results carry the Java stack trace of the failure (default false). Callers
     * get the error type (a code the workflow chose with {@link io.stepstream.WorkflowFailure}, or the
     * exception's class), message and details; the stack trace is for the workflow's developers: the
     * engine logs it (WARN) when the run fails.
     *
     * <pre>{@code
     * Stepstream.builder().stackTracesInResults(true) // e.g. in development
     * }</pre>
     */
    public Builder stackTracesInResults(boolean include) {
      this.stackTracesInResults = include;
      return this;
    }

    /**
     * How many dispatches in a row may end without recording anything (the process died in the
     * step, the outcome could not be published) before the run is parked (default 5). They back off
     * 1 s, 2 s, 4 s, ... in between.
     */
    public Builder maxRedispatches(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxRedispatches must be at least 1, was " + n);
      }
      this.maxRedispatches = n;
      return this;
    }

    /** A run still RUNNING this long after its execution finished here (its completion was never applied) is dispatched again (default 2 min). */
    public Builder watchdogAfter(Duration d) {
      this.watchdogAfter = d;
      return this;
    }

    public Builder startTimeout(Duration d) {
      this.startTimeout = d;
      return this;
    }

    /**
     * Serves {@code GET /health/live}, {@code /health/ready} and {@code /metrics} (Prometheus text)
     * on {@code host:port} (port 0: any free port; see {@link Stepstream#httpAddress()}). Off unless
     * called: a library binds nothing by itself. Live: 200 unless Kafka Streams failed or stopped or
     * the executor is shut down. Ready: 200 once {@link #start()} returned and Kafka Streams is
     * RUNNING (503 while it rebalances or restores). Without {@link #meterRegistry}, the engine keeps
     * a Prometheus registry of its own for /metrics.
     *
     * <pre>{@code
     * Stepstream.builder().httpServer("0.0.0.0", 8080)   // in a container; "127.0.0.1" for local probes only
     * // curl -s localhost:8080/health/ready  ->  {"status":"UP","state":"RUNNING","reason":"all tasks running"}
     * }</pre>
     */
    public Builder httpServer(String host, int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("httpServer port must be 0..65535, was " + port);
      }
      this.httpHost = java.util.Objects.requireNonNull(host, "host");
      this.httpPort = port;
      return this;
    }

    /**
     * The host name other engine instances reach this one's HTTP endpoint by (its port is the bound
     * one). Queries about a run owned by another instance are forwarded there, so it must resolve
     * and be reachable from every instance. Default: the host given to {@link #httpServer}, or, when
     * that is a wildcard ({@code 0.0.0.0}, {@code ::}), this machine's host name.
     *
     * <pre>{@code
     * Stepstream.builder().httpServer("0.0.0.0", 8080)
     *     .httpAdvertisedHost(System.getenv("POD_NAME") + ".stepstream-engine")   // a StatefulSet's stable name
     * }</pre>
     */
    public Builder httpAdvertisedHost(String host) {
      this.httpAdvertisedHost = host == null || host.isBlank() ? null : host.strip();
      return this;
    }

    /** Tests only: see {@code io.stepstream.engine.EngineTestHooks} in the test sources. */
    Builder httpAuthForTests(io.stepstream.internal.http.HttpAuth auth) {
      this.httpAuthOverride = auth;
      return this;
    }

    /**
     * Records the engine's meters ({@code stepstream.*}, Kafka Streams' and the outcome producer's
     * client metrics) in the application's registry instead of one of the engine's own. With {@link
     * #httpServer}, /metrics serves it if it is (or contains) a {@code PrometheusMeterRegistry}.
     * The engine removes its meters on close; the registry stays the application's.
     *
     * <pre>{@code
     * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
     * Stepstream.builder().meterRegistry(registry) ...   // then scrape registry.scrape() wherever you serve metrics
     * }</pre>
     */
    public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
      this.meterRegistry = java.util.Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Registers the MXBean {@code io.stepstream:type=Engine,name=<applicationId>} with the engine's
     * counters while it runs (default off; the CLI turns it on). Kafka's own metrics are in JMX anyway.
     *
     * <pre>{@code
     * Stepstream.builder().jmx(true)   // jconsole: io.stepstream > Engine > stepstream-engine
     * }</pre>
     */
    public Builder jmx(boolean enabled) {
      this.jmx = enabled;
      return this;
    }

    /**
     * The OpenTelemetry whose tracer makes a span per step attempt (a child of the request's trace
     * context). Default: the application's {@code GlobalOpenTelemetry}, once it is set; without
     * either, no spans are made and only the {@code traceparent}/{@code tracestate} headers travel
     * from the request to every record of the run.
     *
     * <pre>{@code
     * Stepstream.builder().openTelemetry(openTelemetrySdk)
     * }</pre>
     */
    public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
      this.openTelemetry = java.util.Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /**
     * How results, events, approval requests and dead letters are written (default {@link
     * WireFormat#SCHEMA_REGISTRY} when the Kafka properties have {@code
     * schema.registry.url}, else {@link WireFormat#AVRO_SINGLE_OBJECT}). Inputs are
     * read in all three formats whatever this says; registry-framed ones need the registry URL. State
     * stores and the step-outcomes topic are always single-object Avro.
     *
     * <pre>{@code
     * Stepstream.builder().wireFormat(WireFormat.JSON)   // any consumer reads results with a JSON parser
     * }</pre>
     */
    public Builder wireFormat(WireFormat format) {
      this.wireFormat = java.util.Objects.requireNonNull(format, "format");
      return this;
    }

    WireFormat wireFormat() {
      return wireFormat != null ? wireFormat : WireFormat.defaultFor(kafkaProperties);
    }

    /**
     * The topics of yours that workflows may write records to with {@code ctx.emit} / {@code
     * StepContext.emit}, exactly once (in the engine's transaction). The engine never creates them:
     * {@code start()} fails naming any that does not exist. An emit to any other topic throws {@link
     * IllegalArgumentException} at once. May be called again to add more; declare the same topics on
     * every instance. A secured cluster: the engine principal needs WRITE on them (docs/security.md).
     *
     * <pre>{@code
     * Stepstream.builder().emitTopics("orders.shipped", "audit.decisions")
     *     .register("ship", Order.class, (ctx, order) -> {
     *       Tracking t = ctx.step("ship", Tracking.class, s -> carrier.ship(order, s.idempotencyKey()));
     *       ctx.emit("orders.shipped", order.id(), t);   // once, even if the run replays
     *       return t;
     *     })
     * }</pre>
     */
    public Builder emitTopics(String... topics) {
      for (String topic : topics) {
        if (topic == null || topic.isBlank()) {
          throw new IllegalArgumentException("emitTopics: a topic name is null or blank");
        }
        emitTopics.add(topic.trim());
      }
      return this;
    }

    /**
     * The task queues workflows may hand remote tasks to ({@code ctx.task(name, queue, ...)}, ADR
     * 0024): for each, {@code start()} creates {@code <prefix>.tasks.<queue>} (the engine's partition
     * count) and, once, {@code <prefix>.task-cancels}. Workers in any language consume a queue's
     * topic (docs/clients.md "Remote tasks"). A task for an undeclared queue throws at once. Declare
     * the same queues on every instance.
     *
     * <pre>{@code
     * Stepstream.builder().taskQueues("llm-tasks")
     *     .register("summarize", Doc.class, (ctx, doc) ->
     *         ctx.task("summarize", "llm-tasks", doc, Summary.class,
     *             TaskOptions.defaults().withTimeout(Duration.ofMinutes(2))))
     * }</pre>
     */
    public Builder taskQueues(String... queues) {
      for (String queue : queues) {
        if (queue == null || !queue.matches("[A-Za-z0-9._-]+")) {
          throw new IllegalArgumentException("taskQueues: '" + queue + "' is not a queue name (letters, digits, '.', '_', '-')");
        }
        taskQueues.add(queue);
      }
      return this;
    }

    /** Any Kafka Streams property (also {@code producer.*}, {@code consumer.*}); wins over the defaults. */
    public Builder streamsConfig(String key, Object value) {
      streamsOverrides.put(key, value);
      return this;
    }

    public Stepstream build() {
      pending.forEach(p -> p.accept(registry));
      pending.clear();
      if (registry.types().isEmpty()) {
        throw new IllegalStateException("register at least one workflow type before build()");
      }
      if (bootstrapServers == null && kafkaProperties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) != null) {
        bootstrapServers = String.valueOf(kafkaProperties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
      }
      if (devMode && bootstrapServers != null) {
        throw new IllegalStateException(
            "both devMode() and bootstrapServers(" + bootstrapServers + ") are set: dev mode starts its own broker; choose one");
      }
      if (!devMode && bootstrapServers == null) {
        throw new IllegalStateException(
            "no Kafka cluster: set bootstrapServers(\"host:9092\") (or bootstrap.servers in kafkaProperties), or call devMode()"
                + " to start an embedded single-node broker for development (needs io.stepstream:stepstream-dev-kafka)");
      }
      if (wireFormat() == WireFormat.SCHEMA_REGISTRY
          && WireFormat.defaultFor(kafkaProperties) != WireFormat.SCHEMA_REGISTRY) {
        throw new IllegalStateException("wireFormat(SCHEMA_REGISTRY) needs the registry's address: set " + WireFormat.REGISTRY_URL
            + " (e.g. http://registry:8081) in kafkaProperties(...)");
      }
      if (approvalVerificationDisabled && (approvalSigningKey != null || !approvalVerificationKeys.isEmpty())) {
        throw new IllegalStateException("disableApprovalTokenVerification() contradicts the approval keys given: keep one or the other");
      }
      if (approvalSigningKey != null) {
        keyring(approvalSigningKey); // refuses a key id given twice with different secrets, now rather than at start()
      } else if (!approvalVerificationKeys.isEmpty() && !devMode) {
        throw new IllegalStateException("approvalVerificationKey(...) without approvalSigningKey(...): new approvals need a key to be"
            + " signed with; give the current key with approvalSigningKey(kid, secret)");
      }
      java.util.List<String> own = emitTopics.stream().filter(topics().all()::contains).toList();
      if (!own.isEmpty()) {
        throw new IllegalStateException("emitTopics(...) names Stepstream's own topics " + own + ": workflows may emit only to topics"
            + " of yours; the engine writes its own");
      }
      return new Stepstream(this);
    }

    io.stepstream.internal.executor.EmitTopics emitTopics() {
      return io.stepstream.internal.executor.EmitTopics.of(emitTopics).withTaskQueues(topics(), taskQueues);
    }

    Topics topics() {
      return Topics.withPrefix(topicPrefix);
    }

    ApprovalKeyring keyring(ApprovalKey signing) {
      ApprovalKeyring ring = ApprovalKeyring.signingWith(signing);
      for (ApprovalKey key : approvalVerificationKeys) {
        ring = ring.withVerificationKey(key);
      }
      return ring;
    }

    String applicationId() {
      return applicationId != null ? applicationId : topicPrefix + "-engine";
    }

    Path stateDir() {
      return stateDir != null ? stateDir : Path.of(".stepstream");
    }

    Path embeddedDataDir() {
      return embeddedDataDir != null ? embeddedDataDir : stateDir().resolve("kafka");
    }

    OrchestratorTopology.Settings orchestratorSettings() {
      return OrchestratorTopology.Settings.defaults()
          .withTiming(timerTick, earlyCommitBelow)
          .withResumeDelay(resumeDelay)
          .withPartitions(partitionsInForce > 0 ? partitionsInForce : partitions)
          .withEarlyInputTtl(earlyInputTtl)
          .withMaxRedispatches(maxRedispatches)
          .withWatchdogAfter(watchdogAfter)
          .withStackTracesInResults(stackTracesInResults)
          .withAuditLevel(auditLevel);
    }

    /**
     * The smallest max.request.size of the engine's producers: the client properties' (outcome
     * producer, Kafka Streams) and a Streams override ({@code producer.max.request.size}).
     */
    int maxRequestSize() {
      int size = parseInt(kafkaProperties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), RecordLimits.DEFAULT_MAX_REQUEST_SIZE);
      Object streams = streamsOverrides.getOrDefault(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
          streamsOverrides.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
      return Math.min(size, parseInt(streams, size));
    }

    private static int parseInt(Object value, int otherwise) {
      return value == null ? otherwise : Integer.parseInt(value.toString().trim());
    }

    /**
     * The transaction timeout follows the commit interval: a transaction lasts about one interval,
     * and the broker aborts one that outlives the timeout (fencing a live instance). 5 s plus two
     * intervals keeps that rare while an instance killed mid-transaction holds read_committed
     * readers for as short a time as possible.
     */
    long transactionTimeoutMs() {
      return 5_000 + 2 * commitInterval.toMillis();
    }
  }
}
