package io.stepstream.testkit;

import io.stepstream.CancelResult;
import io.stepstream.PendingApproval;
import io.stepstream.ResumeResult;
import io.stepstream.RunResult;
import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.Signal;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.client.Decision;
import io.stepstream.client.Topics;
import io.stepstream.internal.approvals.ApprovalTokens;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.Results;
import io.stepstream.internal.codec.WireCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.executor.OutcomePublisher;
import io.stepstream.internal.executor.RecordLimit;
import io.stepstream.internal.orchestrator.ApprovalGuard;
import io.stepstream.internal.orchestrator.EngineMetrics;
import io.stepstream.internal.orchestrator.ExecutionLauncher;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import io.stepstream.internal.orchestrator.ResumeMarkers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Queue;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The engine's orchestrator topology in a {@link TopologyTestDriver}: executions are queued and run
 * on the calling thread, their outcomes piped back in, until nothing is left to do at the current
 * virtual time. The same wiring as the engine's own test harness ({@code OrchestratorHarness}).
 *
 * <p>The timer tick is one millisecond of virtual time, so a timer fires at the moment it is due
 * when the environment moves the clock to it.
 */
final class InMemoryEngine implements AutoCloseable {
  static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration TICK = Duration.ofMillis(1);
  /** A run that never stops producing work at one instant (a loop of failing steps without backoff) must not hang the test. */
  private static final int MAX_ROUNDS = 100_000;

  private final Topics topics = Topics.withPrefix("testkit");
  private final WireCodec wire = WireCodec.singleObject();
  private final ApprovalTokens tokens = ApprovalTokens.withSecret(("testkit-" + UUID.randomUUID()).getBytes());
  private final Queue<Runnable> executions = new ArrayDeque<>();
  private final Queue<StepOutcome> published = new ArrayDeque<>();
  private final VirtualClock clock;
  private final Path stateDir;
  private final TopologyTestDriver driver;
  private final TestInputTopic<String, byte[]> requests;
  private final TestInputTopic<String, byte[]> outcomes;
  private final TestInputTopic<String, byte[]> approvals;
  private final TestInputTopic<String, byte[]> signals;
  private final TestOutputTopic<String, byte[]> results;
  private final TestOutputTopic<String, byte[]> events;
  private final TestOutputTopic<String, byte[]> approvalRequests;
  private final TestOutputTopic<String, byte[]> deadLetters;
  private final Map<String, RunResult> resultsByRun = new LinkedHashMap<>();
  private final Map<String, List<AuditEvent>> eventsByRun = new HashMap<>();
  private final Map<String, ApprovalRequest> pendingApprovals = new LinkedHashMap<>();
  private final List<String> deadLetterMessages = new ArrayList<>();
  private final Map<String, TestOutputTopic<String, byte[]>> emitOutputs = new LinkedHashMap<>();
  private final Map<String, List<EmittedRecord>> emitted = new LinkedHashMap<>();
  /** Token streams (docs/streams.md) by run: what attempts streamed, then the run-end the orchestrator wrote. Guarded by itself. */
  private final Map<String, List<io.stepstream.internal.client.streams.StreamRecord>> streamed = new LinkedHashMap<>();
  private final TestOutputTopic<String, byte[]> streamsOut;
  private int signalCount;
  private int commandCount;
  /** Arrival order of journal entries: entries recorded in one virtual millisecond are many, and their names do not order them. */
  private final Map<String, Long> arrival = new HashMap<>();
  private long arrivals;

  InMemoryEngine(WorkflowRegistry registry, Instant start, java.util.Collection<String> emitTopics) {
    this(registry, start, emitTopics, io.stepstream.internal.limits.FlowControl.NONE);
  }

  /** With limiters and key budgets (flow control, ADR 0019). */
  InMemoryEngine(WorkflowRegistry registry, Instant start, java.util.Collection<String> emitTopics,
      io.stepstream.internal.limits.FlowControl flowControl) {
    this(registry, start, emitTopics, List.of(), flowControl);
  }

  /** With task queues (remote tasks, ADR 0024): their records are read like emits ({@link #emitted}). */
  InMemoryEngine(WorkflowRegistry registry, Instant start, java.util.Collection<String> userEmitTopics, java.util.Collection<String> taskQueues,
      io.stepstream.internal.limits.FlowControl flowControl) {
    this.clock = new VirtualClock(start);
    var declared = io.stepstream.internal.executor.EmitTopics.of(userEmitTopics).withTaskQueues(topics, taskQueues);
    java.util.List<String> emitTopics = new java.util.ArrayList<>(userEmitTopics);
    emitTopics.addAll(declared.taskTopicNames());
    var launcher = new ExecutionLauncher(registry, new QueuedPublisher(), executions::add, clock,
        io.stepstream.internal.executor.ExecutionTelemetry.NONE, declared)
        .flowControl(flowControl)
        .streamWriter(this::recordStreamed);
    var settings = OrchestratorTopology.Settings.defaults().withTiming(TICK, OrchestratorTopology.Settings.DEFAULT_EARLY_COMMIT_BELOW);
    var topology = OrchestratorTopology.build(topics, launcher, new EngineMetrics(), settings, ApprovalGuard.of(tokens), ResumeMarkers.none(), wire);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "stepstream-testkit");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    try {
      stateDir = Files.createTempDirectory("stepstream-testkit");
    } catch (IOException e) {
      throw new UncheckedIOException("could not create a state directory for the test environment", e);
    }
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(topology, props, start);
    var keys = new StringSerializer();
    var bytes = new ByteArraySerializer();
    requests = driver.createInputTopic(topics.requests(), keys, bytes);
    outcomes = driver.createInputTopic(topics.stepOutcomes(), keys, bytes);
    approvals = driver.createInputTopic(topics.approvals(), keys, bytes);
    signals = driver.createInputTopic(topics.signals(), keys, bytes);
    var keysOut = new StringDeserializer();
    var bytesOut = new ByteArrayDeserializer();
    results = driver.createOutputTopic(topics.results(), keysOut, bytesOut);
    events = driver.createOutputTopic(topics.events(), keysOut, bytesOut);
    approvalRequests = driver.createOutputTopic(topics.approvalRequests(), keysOut, bytesOut);
    deadLetters = driver.createOutputTopic(topics.deadLetters(), keysOut, bytesOut);
    streamsOut = driver.createOutputTopic(topics.streams(), keysOut, bytesOut);
    for (String topic : emitTopics) {
      emitOutputs.put(topic, driver.createOutputTopic(topic, keysOut, bytesOut));
    }
  }

  Instant now() {
    return clock.instant();
  }

  void start(String runId, String workflowType, Object input) {
    WorkflowRequest request = new WorkflowRequest(runId, workflowType, PayloadCodec.encode(input), clock.millis());
    requests.pipeInput(runId, Envelopes.encode(request), clock.instant());
    settle();
  }

  /** A decision as {@code WorkflowClient.decide} sends it (groups, comment, reason, edited value), with a valid token. */
  void decide(Decision d) {
    ApprovalDecision decision = ApprovalDecision.newBuilder().setRunId(d.runId()).setApprovalName(d.approvalName()).setApproved(d.approved())
        .setApprover(d.approver()).setApproverGroups(d.groups()).setComment(d.comment()).setReason(d.reason())
        .setEditedPayload(PayloadCodec.encode(d.edited())).setIdentityToken(d.identityToken())
        .setToken(tokens.sign(d.runId(), d.approvalName(), clock.instant().plus(Duration.ofDays(1))))
        .setDecidedAt(clock.millis()).build();
    approvals.pipeInput(d.runId(), Envelopes.encode(decision), clock.instant());
    noteArrivals(d.runId());
    settle();
  }

  /** {@code WorkflowClient.cancel}: a CANCEL command on the requests topic; the answer is the event carrying its command id. */
  CancelResult cancel(String runId, String reason) {
    AuditEvent answer = command(runId, RunCommandType.CANCEL, reason);
    return new CancelResult(runId, answer.getType() == AuditEventType.CANCEL_REQUESTED, answer.getDetail());
  }

  /** {@code WorkflowClient.resume}: a RESUME command; a parked run is dispatched again with the code registered now. */
  ResumeResult resume(String runId) {
    AuditEvent answer = command(runId, RunCommandType.RESUME, null);
    return new ResumeResult(runId, answer.getType() == AuditEventType.RESUME_REQUESTED, answer.getDetail());
  }

  private AuditEvent command(String runId, RunCommandType type, String reason) {
    String commandId = "testkit-command-" + (++commandCount);
    RunCommand command = RunCommand.newBuilder().setRunId(runId).setCommandId(commandId).setType(type).setReason(reason)
        .setRequestedBy("test").setRequestedAt(clock.millis()).build();
    requests.pipeInput(runId, Envelopes.encode(command), clock.instant());
    noteArrivals(runId);
    settle();
    return eventsByRun.getOrDefault(runId, List.of()).stream().filter(e -> commandId.equals(e.getCommandId())).findFirst()
        .orElseThrow(() -> new IllegalStateException("the engine did not answer the " + type + " command for run " + runId
            + deadLetterMessages.stream().reduce("", (a, b) -> a + "; dead letter: " + b)));
  }

  /** A record on the sessions topic (JSON, keyed by the session key), run until quiet (ADR 0017). */
  void sessionMessage(String sessionKey, byte[] json) {
    driver.createInputTopic(topics.sessions(), new StringSerializer(), new ByteArraySerializer()).pipeInput(sessionKey, json, clock.instant());
    settle();
  }

  /** A session's stored record (JSON), or null. */
  byte[] sessionRecord(String sessionType, String sessionKey) {
    return driver.<String, byte[]>getKeyValueStore(OrchestratorTopology.SESSIONS_STORE).get(sessionType + "/" + sessionKey);
  }

  void signal(String runId, String name, Object data) {
    Signal signal = Signal.newBuilder().setRunId(runId).setName(name).setPayload(PayloadCodec.encode(data))
        .setSignalId("testkit-signal-" + (++signalCount)).setSentAt(clock.millis()).build();
    signals.pipeInput(runId, Envelopes.encode(signal), clock.instant());
    noteArrivals(runId);
    settle();
  }

  /** A promise's completion ({@code error} null) or failure, as any party holding its id would send it. */
  void settlePromise(String promiseId, Object value, String errorType, String message) {
    var id = io.stepstream.internal.codec.PromiseIds.parse(promiseId);
    Signal completion = Signal.newBuilder().setRunId(id.runId()).setName(id.name()).setPromiseId(promiseId)
        .setPayload(errorType == null ? PayloadCodec.encode(value) : null)
        .setError(errorType == null ? null : io.stepstream.avro.ErrorInfo.newBuilder().setType(errorType).setMessage(message == null ? "" : message).build())
        .setSignalId("testkit-promise-" + (++signalCount)).setSentAt(clock.millis()).build();
    signals.pipeInput(id.runId(), Envelopes.encode(completion), clock.instant());
    noteArrivals(id.runId());
    settle();
  }

  /** A worker's outcome of a remote task: its value, or a failure ({@code errorType} set), or a heartbeat. */
  void taskOutcome(String taskId, Object value, String errorType, String message, boolean nonRetryable, boolean heartbeat) {
    var id = io.stepstream.internal.codec.PromiseIds.parse(taskId);
    Signal outcome = Signal.newBuilder().setRunId(id.runId()).setName(id.name()).setPromiseId(taskId)
        .setPayload(errorType == null && !heartbeat ? PayloadCodec.encode(value) : null)
        .setError(errorType == null ? null : io.stepstream.avro.ErrorInfo.newBuilder().setType(errorType)
            .setMessage(message == null ? "" : message).setNonRetryable(nonRetryable).build())
        .setHeartbeat(heartbeat)
        .setSignalId("testkit-task-" + (++signalCount)).setSentAt(clock.millis()).build();
    signals.pipeInput(taskId, Envelopes.encode(outcome), clock.instant());
    noteArrivals(id.runId());
    settle();
  }

  Topics topics() {
    return topics;
  }

  /** Records written to a declared emit topic so far, in order. */
  List<EmittedRecord> emitted(String topic) {
    if (!emitOutputs.containsKey(topic)) {
      throw new IllegalArgumentException("topic '" + topic + "' is not an emit topic of this environment; declare it with"
          + " WorkflowTestEnvironment.builder().emitTopics(\"" + topic + "\")");
    }
    return List.copyOf(emitted.getOrDefault(topic, List.of()));
  }

  /**
   * Moves virtual time by {@code by}, stopping at every timer due on the way (in order), so a run
   * that sleeps, retries and sleeps again sees each wake-up at its own time.
   */
  void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("virtual time only moves forward; advanceTime(" + by + ")");
    }
    Instant end = clock.instant().plus(by);
    settle();
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Optional<Instant> next = nextTimer();
      if (next.isEmpty() || next.get().isAfter(end)) {
        break;
      }
      // a timer due now that a full tick left behind (more due than one tick fires) needs the next tick
      Instant to = next.get().isAfter(clock.instant()) ? next.get() : clock.instant().plus(TICK);
      moveTo(to.isAfter(end) ? end : to);
      settle();
    }
    moveTo(end);
    settle();
  }

  private void moveTo(Instant to) {
    Duration step = Duration.between(clock.instant(), to);
    if (!step.isNegative() && !step.isZero()) {
      clock.advance(step);
      driver.advanceWallClockTime(step);
    }
  }

  /** The earliest pending durable timer (sleep, retry backoff, deadline) of any run. */
  private Optional<Instant> nextTimer() {
    KeyValueStore<Bytes, String> timers = driver.getKeyValueStore(OrchestratorTopology.TIMERS_STORE);
    try (KeyValueIterator<Bytes, String> all = timers.all()) {
      if (!all.hasNext()) {
        return Optional.empty();
      }
      return Optional.of(Instant.ofEpochMilli(ByteBuffer.wrap(all.next().key.get()).getLong()));
    }
  }

  /** Runs queued executions and pipes their outcomes in until nothing more happens at this instant. */
  void settle() {
    for (int round = 0; round < MAX_ROUNDS; round++) {
      boolean worked = false;
      Runnable next;
      while ((next = executions.poll()) != null) {
        next.run();
        worked = true;
      }
      StepOutcome outcome;
      while ((outcome = published.poll()) != null) {
        outcomes.pipeInput(outcome.getRunId(), Envelopes.encode(outcome), clock.instant());
        for (JournalEntry e : outcome.getEntries()) {
          arrival.putIfAbsent(e.getRunId() + "\u0000" + e.getName(), ++arrivals); // an outcome's entries in the order the code took them
        }
        noteArrivals(outcome.getRunId());
        worked = true;
      }
      if (!worked) {
        collectOutputs();
        return;
      }
    }
    throw new IllegalStateException("the workflows did not come to rest after " + MAX_ROUNDS + " rounds at virtual time " + clock.instant()
        + ": a run keeps producing work without waiting (a retry policy without backoff in a loop?)");
  }

  private void collectOutputs() {
    for (byte[] value : results.readValuesToList()) {
      RunResult result = Results.toRunResult(wire.reader().result(value), claimChecks);
      resultsByRun.putIfAbsent(result.runId(), result);
    }
    for (byte[] value : events.readValuesToList()) {
      AuditEvent event = wire.reader().auditEvent(value);
      eventsByRun.computeIfAbsent(event.getRunId(), k -> new ArrayList<>()).add(event);
    }
    for (byte[] value : approvalRequests.readValuesToList()) {
      ApprovalRequest request = wire.reader().approvalRequest(value);
      String key = request.getRunId() + "\u0000" + request.getApprovalName();
      if (request.getResolution() == null) {
        pendingApprovals.put(key, request);
      } else {
        pendingApprovals.remove(key);
      }
    }
    emitOutputs.forEach((topic, output) -> {
      for (var record : output.readRecordsToList()) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (var h : record.headers()) {
          headers.put(h.key(), h.value() == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
        }
        emitted.computeIfAbsent(topic, k -> new ArrayList<>()).add(new EmittedRecord(record.key(), record.value(), Map.copyOf(headers)));
      }
    });
    for (byte[] value : streamsOut.readValuesToList()) {
      recordStreamed(io.stepstream.internal.client.streams.StreamRecords.decode(value));
    }
    for (var record : deadLetters.readRecordsToList()) {
      var letter = io.stepstream.internal.codec.EnvelopeReader.withoutRegistry().deadLetter(record.value());
      deadLetterMessages.add(letter.getErrorType() + ": " + letter.getErrorMessage());
    }
  }

  private java.util.concurrent.Future<?> recordStreamed(io.stepstream.internal.client.streams.StreamRecord record) {
    synchronized (streamed) {
      streamed.computeIfAbsent(record.runId(), k -> new ArrayList<>()).add(record);
    }
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  /** The run's token stream so far, positions numbering its records from 1. */
  List<io.stepstream.client.StreamEvent> streamed(String runId) {
    List<io.stepstream.internal.client.streams.StreamRecord> records;
    synchronized (streamed) {
      records = List.copyOf(streamed.getOrDefault(runId, List.of()));
    }
    List<io.stepstream.client.StreamEvent> events = new ArrayList<>();
    for (var r : records) {
      var kind = switch (r.type()) {
        case io.stepstream.internal.client.streams.StreamRecord.BEGIN -> io.stepstream.client.StreamEvent.Kind.BEGIN;
        case io.stepstream.internal.client.streams.StreamRecord.CHUNK -> io.stepstream.client.StreamEvent.Kind.CHUNK;
        case io.stepstream.internal.client.streams.StreamRecord.END -> io.stepstream.client.StreamEvent.Kind.END;
        default -> io.stepstream.client.StreamEvent.Kind.RUN_END;
      };
      events.add(new io.stepstream.client.StreamEvent(kind, r.runId(), r.step(), r.attempt(), r.executionId(), r.seq(), r.text(), r.status(),
          r.error(), Instant.ofEpochMilli(r.at()), String.valueOf(events.size() + 1)));
    }
    return events;
  }

  Optional<RunResult> result(String runId) {
    return Optional.ofNullable(resultsByRun.get(runId));
  }

  Optional<RunState> run(String runId) {
    return Optional.ofNullable(driver.<String, RunState>getKeyValueStore(OrchestratorTopology.RUNS_STORE).get(runId));
  }

  /** The run's input: its {@code $input} journal entry, or the header's copy (a run stored by an older release). */
  io.stepstream.avro.Payload input(RunState run) {
    KeyValueStore<String, JournalEntry> journal = driver.getKeyValueStore(OrchestratorTopology.JOURNAL_STORE);
    return claimChecks.resolve(io.stepstream.internal.orchestrator.RunInputs.of(run, (id, name) -> journal.get(id + "\u0000" + name)));
  }

  /** The run's journal entries in the order they were recorded (its input, which no code reaches, left out). */
  List<JournalEntry> journal(String runId) {
    List<JournalEntry> entries = new ArrayList<>();
    KeyValueStore<String, JournalEntry> journal = driver.getKeyValueStore(OrchestratorTopology.JOURNAL_STORE);
    try (KeyValueIterator<String, JournalEntry> it = journal.prefixScan(runId + "\u0000", new StringSerializer())) {
      it.forEachRemaining((KeyValue<String, JournalEntry> kv) -> {
        String name = kv.value.getName();
        // the engine's copies for queries (the result) and of the request (the input) are not what the workflow recorded
        if (!io.stepstream.internal.query.RunViews.RESULT_ENTRY.equals(name) && !io.stepstream.internal.orchestrator.RunInputs.ENTRY.equals(name)) {
          // claim-checked values resolved: tests and recorded histories see values, not references (docs/large-payloads.md)
          entries.add(kv.value.getValue() == null || kv.value.getValue().getClaimCheck() == null ? kv.value
              : JournalEntry.newBuilder(kv.value).setValue(claimChecks.resolve(kv.value.getValue())).build());
        }
      });
    }
    entries.sort(Comparator.comparingLong((JournalEntry e) -> arrival.getOrDefault(runId + "\u0000" + e.getName(), Long.MAX_VALUE))
        .thenComparingLong(JournalEntry::getRecordedAt).thenComparing(JournalEntry::getName));
    return entries;
  }

  /** Numbers the run's entries not seen before, in the order the orchestrator stored them (one input at a time). */
  private void noteArrivals(String runId) {
    KeyValueStore<String, JournalEntry> journal = driver.getKeyValueStore(OrchestratorTopology.JOURNAL_STORE);
    List<JournalEntry> fresh = new ArrayList<>();
    try (KeyValueIterator<String, JournalEntry> it = journal.prefixScan(runId + "\u0000", new StringSerializer())) {
      it.forEachRemaining(kv -> {
        if (!arrival.containsKey(kv.key)) {
          fresh.add(kv.value);
        }
      });
    }
    fresh.sort(Comparator.comparingLong(JournalEntry::getRecordedAt).thenComparing(JournalEntry::getName));
    fresh.forEach(e -> arrival.put(runId + "\u0000" + e.getName(), ++arrivals));
  }

  List<AuditEvent> events(String runId) {
    return List.copyOf(eventsByRun.getOrDefault(runId, List.of()));
  }

  List<PendingApproval> pendingApprovals() {
    return pendingApprovals.values().stream()
        .map(a -> new PendingApproval(a.getRunId(), a.getApprovalName(), a.getWorkflowType(), a.getSubject(), PayloadCodec.describe(a.getDetails()),
            List.copyOf(a.getAllowedApprovers()), List.copyOf(a.getAllowedGroups()),
            a.getDeadline() == 0 ? null : Instant.ofEpochMilli(a.getDeadline()), a.getToken())) // 0: no deadline
        .toList();
  }

  List<String> deadLetters() {
    return List.copyOf(deadLetterMessages);
  }

  static Payload encode(Object value) {
    return PayloadCodec.encode(value);
  }

  @Override
  public void close() {
    try {
      driver.close();
    } finally {
      deleteQuietly(stateDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is not worth failing a test for
    }
  }

  /** Outcomes stay in memory until {@link #settle()} pipes them into the driver. */
  private final class QueuedPublisher implements OutcomePublisher {
    @Override
    public void publish(StepOutcome outcome) {
      published.add(outcome);
    }

    @Override
    public RecordLimit recordLimit() {
      return RecordLimit.DEFAULT;
    }

    /** Large values behave as in an engine with its defaults (docs/large-payloads.md), the store in memory. */
    @Override
    public io.stepstream.internal.payloads.ClaimChecks claimChecks() {
      return claimChecks;
    }
  }

  private final io.stepstream.internal.payloads.ClaimChecks claimChecks = io.stepstream.internal.payloads.ClaimChecks.using(
      new io.stepstream.internal.payloads.InMemoryPayloadStore("test.payloads", io.stepstream.internal.payloads.Chunks.DEFAULT_CHUNK_BYTES),
      io.stepstream.internal.payloads.ClaimChecks.DEFAULT_THRESHOLD, io.stepstream.internal.payloads.ClaimChecks.DEFAULT_MAX_PAYLOAD_SIZE);
}
