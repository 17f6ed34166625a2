package io.stepstream.testing;

import io.stepstream.client.Topics;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.approvals.ApprovalTokens;
import io.stepstream.internal.orchestrator.ApprovalGuard;
import io.stepstream.internal.orchestrator.EngineMetrics;
import io.stepstream.internal.orchestrator.ExecutionLauncher;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import io.stepstream.internal.orchestrator.ResumeMarkers;
import io.stepstream.internal.codec.WireCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The orchestrator topology in a {@link TopologyTestDriver} with virtual wall-clock time. Executions
 * are queued and run only when the test says ({@link #runExecutions()}), on the test thread, and
 * their outcomes are held until {@link #deliverOutcomes()} pipes them in, so every interleaving is
 * the test's choice.
 */
public final class OrchestratorHarness implements AutoCloseable {
  public final Topics topics = Topics.withPrefix("t");
  public final RecordingPublisher publisher = new RecordingPublisher();
  public final EngineMetrics metrics = new EngineMetrics();
  private final Queue<Runnable> pendingExecutions = new ArrayDeque<>();
  private final WorkflowRegistry registry;
  private final Executor executor;
  private final OrchestratorTopology.Settings settings;
  private final WireCodec wire;
  private final io.stepstream.internal.executor.EmitTopics emitTopics;
  /** Limiters and key budgets (ADR 0019); none unless a test declares them. */
  private io.stepstream.internal.limits.FlowControl flowControl = io.stepstream.internal.limits.FlowControl.NONE;
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> requests;
  private TestInputTopic<String, byte[]> outcomes;
  private TestOutputTopic<String, byte[]> results;
  private TestOutputTopic<String, byte[]> events;
  private TestOutputTopic<String, byte[]> deadLetters;
  private TestOutputTopic<String, byte[]> rekeyedRequests;

  public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  public final MutableClock clock = new MutableClock(START);

  public static final ApprovalTokens TOKENS = ApprovalTokens.withSecret("harness-secret-0123".getBytes());
  private TestInputTopic<String, byte[]> approvals;
  private TestInputTopic<String, byte[]> signals;
  private TestOutputTopic<String, byte[]> approvalRequests;

  public OrchestratorHarness(WorkflowRegistry registry) {
    this(registry, (Executor) null);
  }

  /** With {@code executor} instead of the test-controlled queue (e.g. one that fails). */
  public OrchestratorHarness(WorkflowRegistry registry, Executor executor) {
    this(registry, executor, OrchestratorTopology.Settings.defaults());
  }

  /** With other orchestrator settings, e.g. several partitions (the driver itself has one per topic). */
  public OrchestratorHarness(WorkflowRegistry registry, Executor executor, OrchestratorTopology.Settings settings) {
    this(registry, executor, settings, ApprovalGuard.of(TOKENS));
  }

  /** With other approval checks: keys, token grace, approver identity. */
  public OrchestratorHarness(WorkflowRegistry registry, ApprovalGuard guard) {
    this(registry, null, OrchestratorTopology.Settings.defaults(), guard);
  }

  /** Writing results, events, approval requests and dead letters in another wire format (read back in any by this harness). */
  public OrchestratorHarness(WorkflowRegistry registry, WireCodec wire) {
    this(registry, null, OrchestratorTopology.Settings.defaults(), ApprovalGuard.of(TOKENS), wire);
  }

  /** With limiters and key budgets (flow control, ADR 0019). */
  public OrchestratorHarness(WorkflowRegistry registry, io.stepstream.internal.limits.FlowControl flowControl) {
    this.flowControl = flowControl;
    this.emitTopics = io.stepstream.internal.executor.EmitTopics.none();
    this.wire = WireCodec.singleObject();
    this.registry = registry;
    this.executor = null;
    this.settings = OrchestratorTopology.Settings.defaults();
    open(ApprovalGuard.of(TOKENS), new HashMap<>());
  }

  /** With user topics workflows may emit to ({@link #emitted(String)} reads them). */
  public OrchestratorHarness(WorkflowRegistry registry, io.stepstream.internal.executor.EmitTopics emitTopics) {
    this(registry, null, OrchestratorTopology.Settings.defaults(), ApprovalGuard.of(TOKENS), WireCodec.singleObject(), emitTopics);
  }

  private OrchestratorHarness(WorkflowRegistry registry, Executor executor, OrchestratorTopology.Settings settings, ApprovalGuard guard) {
    this(registry, executor, settings, guard, WireCodec.singleObject());
  }

  private OrchestratorHarness(
      WorkflowRegistry registry, Executor executor, OrchestratorTopology.Settings settings, ApprovalGuard guard, WireCodec wire) {
    this(registry, executor, settings, guard, wire, io.stepstream.internal.executor.EmitTopics.none());
  }

  private OrchestratorHarness(
      WorkflowRegistry registry, Executor executor, OrchestratorTopology.Settings settings, ApprovalGuard guard, WireCodec wire,
      io.stepstream.internal.executor.EmitTopics emitTopics) {
    this.emitTopics = emitTopics;
    this.wire = wire;
    this.registry = registry;
    this.executor = executor;
    this.settings = settings;
    open(guard, new HashMap<>());
  }

  /**
   * The engine restarted with other approval checks (a key rotation): the stores are carried over, as
   * a restore from their changelogs would; records not read from output topics yet are dropped.
   */
  public void restartWith(ApprovalGuard guard) {
    Map<String, List<org.apache.kafka.streams.KeyValue<Object, Object>>> stores = new HashMap<>();
    for (String name : List.of(OrchestratorTopology.RUNS_STORE, OrchestratorTopology.JOURNAL_STORE, OrchestratorTopology.TIMERS_STORE,
        OrchestratorTopology.EXPIRY_STORE, OrchestratorTopology.SESSIONS_STORE, OrchestratorTopology.SESSION_MESSAGES_STORE)) {
      List<org.apache.kafka.streams.KeyValue<Object, Object>> entries = new ArrayList<>();
      try (var all = driver.<Object, Object>getKeyValueStore(name).all()) {
        all.forEachRemaining(entries::add);
      }
      stores.put(name, entries);
    }
    driver.close();
    open(guard, stores);
  }

  private void open(ApprovalGuard guard, Map<String, List<org.apache.kafka.streams.KeyValue<Object, Object>>> stores) {
    Executor queued = executor != null ? executor : pendingExecutions::add;
    var launcher = new ExecutionLauncher(registry, publisher, queued, clock, io.stepstream.internal.executor.ExecutionTelemetry.NONE,
        emitTopics).flowControl(flowControl);
    var topology = OrchestratorTopology.build(topics, launcher, metrics, settings, guard, ResumeMarkers.none(), wire);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "orchestrator-test");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    try {
      props.put(StreamsConfig.STATE_DIR_CONFIG, java.nio.file.Files.createTempDirectory("orchestrator-test").toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    driver = new TopologyTestDriver(topology, props, clock.instant());
    stores.forEach((name, entries) -> driver.<Object, Object>getKeyValueStore(name).putAll(entries));
    requests = driver.createInputTopic(topics.requests(), new StringSerializer(), new ByteArraySerializer());
    outcomes = driver.createInputTopic(topics.stepOutcomes(), new StringSerializer(), new ByteArraySerializer());
    results = driver.createOutputTopic(topics.results(), new StringDeserializer(), new ByteArrayDeserializer());
    events = driver.createOutputTopic(topics.events(), new StringDeserializer(), new ByteArrayDeserializer());
    deadLetters = driver.createOutputTopic(topics.deadLetters(), new StringDeserializer(), new ByteArrayDeserializer());
    approvals = driver.createInputTopic(topics.approvals(), new StringSerializer(), new ByteArraySerializer());
    signals = driver.createInputTopic(topics.signals(), new StringSerializer(), new ByteArraySerializer());
    approvalRequests = driver.createOutputTopic(topics.approvalRequests(), new StringDeserializer(), new ByteArrayDeserializer());
    rekeyedRequests = driver.createOutputTopic(topics.requests(), new StringDeserializer(), new ByteArrayDeserializer());
  }

  public void request(String runId, String workflowType, Object input) {
    WorkflowRequest request = new WorkflowRequest(runId, workflowType, PayloadCodec.encode(input), 0L);
    requests.pipeInput(runId, Envelopes.encode(request));
  }

  public void rawRequest(String key, byte[] value) {
    requests.pipeInput(key, value);
  }

  /** A request carrying record headers (a W3C traceparent, say). */
  public void request(String runId, String workflowType, Object input, org.apache.kafka.common.header.Headers headers) {
    WorkflowRequest request = new WorkflowRequest(runId, workflowType, PayloadCodec.encode(input), 0L);
    requests.pipeInput(new TestRecord<>(runId, Envelopes.encode(request), headers, clock.instant()));
  }

  public void rawOutcome(String key, byte[] value) {
    outcomes.pipeInput(key, value);
  }

  /** Drops the queued executions without running them (an instance that died with them); returns how many. */
  public int dropPendingExecutions() {
    int n = pendingExecutions.size();
    pendingExecutions.clear();
    return n;
  }

  /** Runs the queued executions on this thread; returns how many ran. */
  public int runExecutions() {
    int n = 0;
    Runnable next;
    while ((next = pendingExecutions.poll()) != null) {
      next.run();
      n++;
    }
    return n;
  }

  /** Pipes every outcome published so far into the step-outcomes topic; returns them. */
  /** Outcomes published so far, taken and not delivered (an executor that died before they reached the topic). */
  public List<StepOutcome> takeOutcomes() {
    return publisher.drain();
  }

  /** Executions queued and not run yet, dropped (their instance died). */
  public void dropExecutions() {
    pendingExecutions.clear();
  }

  public List<StepOutcome> deliverOutcomes() {
    List<StepOutcome> published = publisher.drain();
    published.forEach(this::deliver);
    return published;
  }

  public void deliver(StepOutcome outcome) {
    outcomes.pipeInput(outcome.getRunId(), Envelopes.encode(outcome));
  }

  /** Runs executions and delivers outcomes until nothing more happens. */
  public void settle() {
    while (runExecutions() > 0 | !deliverOutcomes().isEmpty()) {
      // keep going: a delivered outcome may complete a run, a tick may dispatch one
    }
  }

  /** Moves virtual time for the orchestrator (punctuations fire) and for executions alike. */
  public void advanceWallClock(Duration by) {
    clock.advance(by);
    driver.advanceWallClockTime(by);
  }

  /** Advances in small ticks, settling after each, until {@code total} has passed. */
  public void advanceAndSettle(Duration total, Duration tick) {
    for (Duration passed = Duration.ZERO; passed.compareTo(total) < 0; passed = passed.plus(tick)) {
      advanceWallClock(tick);
      settle();
    }
  }

  public void decide(io.stepstream.avro.ApprovalDecision decision) {
    approvals.pipeInput(decision.getRunId(), Envelopes.encode(decision));
  }

  public void rawDecision(String key, byte[] value) {
    approvals.pipeInput(key, value);
  }

  /** A decision with a valid token, signed as a client holding the harness's secret would (valid for a day). */
  public io.stepstream.avro.ApprovalDecision.Builder decision(String runId, String name, boolean approved, String approver) {
    return io.stepstream.avro.ApprovalDecision.newBuilder().setRunId(runId).setApprovalName(name).setApproved(approved)
        .setApprover(approver).setToken(token(runId, name)).setDecidedAt(clock.millis());
  }

  /** A token for a run's approval as a client holding the harness's secret signs it (valid for a day from now). */
  public String token(String runId, String approvalName) {
    return TOKENS.sign(runId, approvalName, clock.instant().plus(Duration.ofDays(1)));
  }

  public void signal(String runId, String name, Object data, String signalId) {
    var signal = io.stepstream.avro.Signal.newBuilder().setRunId(runId).setName(name).setPayload(PayloadCodec.encode(data))
        .setSignalId(signalId).setSentAt(clock.millis()).build();
    signals.pipeInput(runId, Envelopes.encode(signal));
  }

  public void rawSignal(String key, byte[] value) {
    signals.pipeInput(key, value);
  }

  /** Every record on the approval-requests topic since the last read: asks, and resolutions (resolution set). */
  public List<io.stepstream.avro.ApprovalRequest> approvalRequestsAndResolutions() {
    return approvalRequests.readValuesToList().stream().map(wire.reader()::approvalRequest).collect(Collectors.toList());
  }

  /** The asks on the approval-requests topic since the last read (resolution records are dropped). */
  public List<io.stepstream.avro.ApprovalRequest> approvalRequests() {
    return approvalRequestsAndResolutions().stream().filter(r -> r.getResolution() == null).collect(Collectors.toList());
  }

  public void resume(String runId) {
    var command = io.stepstream.avro.RunCommand.newBuilder().setRunId(runId).setCommandId("resume-" + runId)
        .setType(io.stepstream.avro.RunCommandType.RESUME).setRequestedBy("ops").build();
    requests.pipeInput(runId, Envelopes.encode(command));
  }

  /** White-box access to a store, e.g. to plant state an older engine version left behind. */
  public <K, V> org.apache.kafka.streams.state.KeyValueStore<K, V> store(String name) {
    return driver.getKeyValueStore(name);
  }

  public void cancel(String runId, String reason) {
    var command = io.stepstream.avro.RunCommand.newBuilder().setRunId(runId).setCommandId("cmd-" + runId)
        .setType(io.stepstream.avro.RunCommandType.CANCEL).setReason(reason).build();
    requests.pipeInput(runId, Envelopes.encode(command));
  }

  /** Any run command (terminate, restart, resume-parked ...), keyed by {@code key} (the run id, or any key of the partition). */
  public void command(String key, io.stepstream.avro.RunCommand command) {
    requests.pipeInput(key, Envelopes.encode(command));
  }

  /** Result records with their headers (read once, like {@link #results()}). */
  public List<TestRecord<String, byte[]>> resultRecords() {
    return results.readRecordsToList();
  }

  public List<TestRecord<String, byte[]>> eventRecords() {
    return events.readRecordsToList();
  }

  public List<TestRecord<String, byte[]>> approvalRequestRecords() {
    return approvalRequests.readRecordsToList();
  }

  public List<WorkflowResult> results() {
    return results.readValuesToList().stream().map(wire.reader()::result).collect(Collectors.toList());
  }

  public List<AuditEvent> events() {
    return events.readValuesToList().stream().map(wire.reader()::auditEvent).collect(Collectors.toList());
  }

  public List<AuditEventType> eventTypes(List<AuditEvent> events) {
    return events.stream().map(AuditEvent::getType).collect(Collectors.toList());
  }

  public List<TestRecord<String, byte[]>> deadLetterRecords() {
    return deadLetters.readRecordsToList();
  }

  public static DeadLetter decode(TestRecord<String, byte[]> record) {
    return io.stepstream.internal.codec.EnvelopeReader.withoutRegistry().deadLetter(record.value()); // any format but the registry's
  }

  /** Records the engine wrote to a user topic ({@code ctx.emit}) since the last read of it. */
  public List<TestRecord<String, byte[]>> emitted(String topic) {
    return driver.createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer()).readRecordsToList();
  }

  /** A record on the sessions topic (ADR 0017), keyed by the session key. */
  public void sessionMessage(String sessionKey, byte[] value) {
    driver.createInputTopic(topics.sessions(), new StringSerializer(), new ByteArraySerializer()).pipeInput(sessionKey, value);
  }

  public List<TestRecord<String, byte[]>> rekeyedRequests() {
    return rekeyedRequests.readRecordsToList();
  }

  private boolean closed;

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      driver.close();
    }
  }
}
