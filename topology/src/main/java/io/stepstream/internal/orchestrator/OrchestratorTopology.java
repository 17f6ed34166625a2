package io.stepstream.internal.orchestrator;

import io.stepstream.internal.approvals.ApprovalTokens;
import io.stepstream.client.Topics;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.WireCodec;
import io.stepstream.internal.executor.RecordLimit;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The orchestrator topology.
 *
 * <p><b>Why it is shaped like this.</b> The orchestrator runs with {@code exactly_once_v2}: the
 * journal (two changelog-backed RocksDB stores), the results, the audit events and the dead letters
 * of a task are committed in one transaction per commit interval, so each step's outcome is applied
 * exactly once. User code does not run here: executions run on a bounded pool and publish step
 * outcomes to the step-outcomes topic with an idempotent, <i>non-transactional</i> producer, and a
 * run's next step follows its previous one inside the same execution, in-process. So no step waits
 * for a transaction commit; only the final result does: at once while the instance is idle enough,
 * else at the next commit interval ({@link CommitPacer}, ADR 0006). A design that passes
 * every step through a transactional topic pays max(commit.interval.ms, poll.ms) per step instead.
 *
 * <pre>
 *   requests ──────┐                         ┌──> results            (EOS)
 *   approvals ─────┤                         ├──> events             (EOS)
 *   signals ───────┼──> orchestrator ────────┼──> approval-requests  (EOS)
 *   step-outcomes ─┘   [runs, journal,       ├──> dlq                (EOS)
 *        ^              timers]              ├──> requests           (re-keyed JSON requests)
 *        |                  │                └──> user emit topics   (EOS, ctx.emit: EmitSink)
 *        |                  │ dispatch
 *        └── executions <───┘ (executor pool, idempotent producer)
 * </pre>
 *
 * <p><b>Placement is the client's.</b> Non-Java clients partition differently (librdkafka: CRC32,
 * Sarama: FNV-1a), so an external record (request, command, decision, event) may land on another
 * partition than its run's. The task that reads it moves it to the run's home partition (Java's
 * murmur2 of the run id, {@link HomePartitioner}) in its EOS transaction, exactly once; only the
 * home task acts on it. Step outcomes and results are always written home by the engine.
 *
 * <p><b>The fence.</b> Executions start before the transaction that dispatched them commits, and
 * publish outside it. Each dispatch therefore gets an execution id that never repeats
 * ({@link ExecutionIds}), and only outcomes carrying the run's current id are applied: a crash that
 * aborts the dispatch cannot let the dead execution's outcomes pass for the next one's.
 */
public final class OrchestratorTopology {
  public static final String REQUESTS_SOURCE = "requests-source";
  public static final String OUTCOMES_SOURCE = "step-outcomes-source";
  public static final String ORCHESTRATOR = "orchestrator";
  public static final String RUNS_STORE = "stepstream-runs";
  public static final String JOURNAL_STORE = "stepstream-journal";
  public static final String TIMERS_STORE = "stepstream-timers";
  /** Runs by creation time, newest first: what run lists read ({@link io.stepstream.internal.query.RunTimeIndex}). */
  public static final String RUNS_BY_TIME_STORE = "stepstream-runs-by-time";
  /** Finished runs by the time they expire ({@link RunExpiry}); same key layout as the timers. */
  public static final String EXPIRY_STORE = "stepstream-expiry";
  public static final String RESULTS_SINK = "results-sink";
  public static final String EVENTS_SINK = "events-sink";
  public static final String DLQ_SINK = "dlq-sink";
  public static final String REQUESTS_SINK = "requests-sink";
  public static final String APPROVALS_SINK = "approvals-sink";
  public static final String SIGNALS_SINK = "signals-sink";
  public static final String APPROVALS_SOURCE = "approvals-source";
  public static final String SIGNALS_SOURCE = "signals-source";
  public static final String APPROVAL_REQUESTS_SINK = "approval-requests-sink";
  /** The {@code run-end} record of each finished run on {@code <prefix>.streams} (docs/streams.md). */
  public static final String STREAMS_SINK = "streams-sink";
  /** Records workflows emit to user topics ({@link EmitSink}): the topic is the record's. */
  public static final String EMITS_SINK = "emits-sink";
  /** Sessions (ADR 0017): messages by session key, and turn ends the engine routes to a session's home. */
  public static final String SESSIONS_SOURCE = "sessions-source";
  public static final String SESSIONS_SINK = "sessions-sink";
  /** One record per session (snapshot, counters, running turn, queue; JSON), by {@code <type>/<key>}. */
  public static final String SESSIONS_STORE = "stepstream-sessions";
  /** The message ids each session has seen (dedupe), by the turn run id they map to. */
  public static final String SESSION_MESSAGES_STORE = "stepstream-session-messages";
  /** Tombstones for an expired run's claim-checked chunks ({@link PayloadTombstones}). */
  public static final String PAYLOADS_SINK = "payloads-sink";
  /** Flow control (ADR 0019): the coordinator of limiters and key budgets, its store, and the orchestrator's permits. */
  public static final String LIMITS_SOURCE = "limits-source";
  public static final String LIMIT_GRANTS_SOURCE = "limit-grants-source";
  public static final String LIMITER_COORDINATOR = "limiter-coordinator";
  public static final String LIMITS_SINK = "limits-sink";
  public static final String COORDINATOR_LIMITS_SINK = "coordinator-limits-sink";
  public static final String LIMIT_GRANTS_SINK = "limit-grants-sink";
  public static final String LIMITERS_STORE = "stepstream-limiters";
  public static final String PERMITS_STORE = "stepstream-permits";

  /**
   * Knobs of the orchestrator.
   *
   * @param tickInterval how often due timers are looked for (their lateness is about this)
   * @param resumeDelay after assignment, unfinished runs are resumed once this task has read its
   *     step-outcomes backlog (a {@link ResumeMarkers marker} it sent itself came back), or after this
   *     delay at the latest
   * @param maxTimersPerTick how many timers one tick fires
   * @param earlyCommitBelowRecordsPerSecond below which input rate a result is committed at once
   *     ({@link CommitPacer}; 0 = never)
   * @param partitions partition count of the input topics: a record is processed on the partition
   *     Java's default partitioner picks for its key, whatever partition a client put it on
   * @param earlyInputTtl how long decisions and events for a run id with no request yet are kept
   * @param maxRedispatches dispatches in a row that may end without recording anything before the
   *     run is parked (each after a backoff)
   * @param watchdogAfter a run still RUNNING this long after its execution finished (the completion
   *     was never applied) is dispatched again
   * @param recordLimit the largest record value the engine writes (run state, results, dead letters),
   *     read from the topics' configuration at start-up
   * @param retention how long a finished run stays in the stores ({@link RunExpiry}); null: forever
   * @param auditLevel which audit events are written to the events topic
   */
  public record Settings(
      Duration tickInterval,
      Duration resumeDelay,
      int maxTimersPerTick,
      int earlyCommitBelowRecordsPerSecond,
      int partitions,
      Duration earlyInputTtl,
      int maxRedispatches,
      Duration watchdogAfter,
      RecordLimit recordLimit,
      boolean stackTracesInResults,
      Duration retention,
      io.stepstream.engine.AuditLevel auditLevel) {
    public static final int DEFAULT_EARLY_COMMIT_BELOW = 2_000;
    /** Without a cluster to read it from (tests): Kafka's default max.request.size less room for headers and framing. */
    public static final int DEFAULT_MAX_RECORD_BYTES = RecordLimit.DEFAULT.bytes();

    public static Settings defaults() {
      return new Settings(Duration.ofMillis(20), Duration.ofSeconds(1), 5_000, DEFAULT_EARLY_COMMIT_BELOW, 1,
          Duration.ofMinutes(10), 5, Duration.ofMinutes(2), RecordLimit.DEFAULT, false, null,
          io.stepstream.engine.AuditLevel.FULL);
    }

    public Settings withPartitions(int n) {
      return new Settings(tickInterval, resumeDelay, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, n, earlyInputTtl,
          maxRedispatches, watchdogAfter, recordLimit, stackTracesInResults, retention, auditLevel);
    }

    public Settings withResumeDelay(Duration d) {
      return new Settings(tickInterval, d, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, partitions, earlyInputTtl,
          maxRedispatches, watchdogAfter, recordLimit, stackTracesInResults, retention, auditLevel);
    }

    public Settings withEarlyInputTtl(Duration d) {
      return new Settings(tickInterval, resumeDelay, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, partitions, d,
          maxRedispatches, watchdogAfter, recordLimit, stackTracesInResults, retention, auditLevel);
    }

    public Settings withMaxRedispatches(int n) {
      return new Settings(tickInterval, resumeDelay, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, partitions, earlyInputTtl,
          n, watchdogAfter, recordLimit, stackTracesInResults, retention, auditLevel);
    }

    public Settings withWatchdogAfter(Duration d) {
      return new Settings(tickInterval, resumeDelay, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, partitions, earlyInputTtl,
          maxRedispatches, d, recordLimit, stackTracesInResults, retention, auditLevel);
    }

    public Settings withMaxRecordBytes(int n) {
      return withRecordLimit(RecordLimit.of(n));
    }

    public Settings withRecordLimit(RecordLimit limit) {
      return new Settings(tickInterval, resumeDelay, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, partitions, earlyInputTtl,
          maxRedispatches, watchdogAfter, limit, stackTracesInResults, retention, auditLevel);
    }

    /** Results carry the Java stack trace of a failure only when asked (it is for the workflow's developers, not its callers). */
    public Settings withStackTracesInResults(boolean include) {
      return new Settings(tickInterval, resumeDelay, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, partitions, earlyInputTtl,
          maxRedispatches, watchdogAfter, recordLimit, include, retention, auditLevel);
    }

    /** Finished runs are removed from the stores this long after they ended (ADR 0015); null: kept forever. */
    public Settings withRetention(Duration d) {
      return new Settings(tickInterval, resumeDelay, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, partitions, earlyInputTtl,
          maxRedispatches, watchdogAfter, recordLimit, stackTracesInResults, d, auditLevel);
    }

    public int maxRecordBytes() {
      return recordLimit.bytes();
    }

    /** Which audit events are written (default {@link io.stepstream.engine.AuditLevel#FULL}). */
    public Settings withAuditLevel(io.stepstream.engine.AuditLevel level) {
      return new Settings(tickInterval, resumeDelay, maxTimersPerTick, earlyCommitBelowRecordsPerSecond, partitions, earlyInputTtl,
          maxRedispatches, watchdogAfter, recordLimit, stackTracesInResults, retention, java.util.Objects.requireNonNull(level, "level"));
    }

    public Settings withTiming(Duration tick, int earlyCommitBelow) {
      return new Settings(tick, resumeDelay, maxTimersPerTick, earlyCommitBelow, partitions, earlyInputTtl,
          maxRedispatches, watchdogAfter, recordLimit, stackTracesInResults, retention, auditLevel);
    }
  }

  private OrchestratorTopology() {}

  public static Topology build(Topics topics, ExecutionLauncher launcher, EngineMetrics metrics, Settings settings) {
    return build(topics, launcher, metrics, settings, ApprovalGuard.of(ApprovalTokens.verificationDisabled()), ResumeMarkers.none());
  }

  public static Topology build(
      Topics topics, ExecutionLauncher launcher, EngineMetrics metrics, Settings settings, ApprovalGuard guard) {
    return build(topics, launcher, metrics, settings, guard, ResumeMarkers.none());
  }

  public static Topology build(
      Topics topics, ExecutionLauncher launcher, EngineMetrics metrics, Settings settings, ApprovalGuard guard,
      ResumeMarkers markers) {
    return build(topics, launcher, metrics, settings, guard, markers, WireCodec.singleObject());
  }

  /**
   * The topology; {@code wire} says how results, events, approval requests and dead letters are
   * written (and looks up schema ids of registry-framed inputs).
   */
  public static Topology build(
      Topics topics, ExecutionLauncher launcher, EngineMetrics metrics, Settings settings, ApprovalGuard guard,
      ResumeMarkers markers, WireCodec wire) {
    return build(topics, launcher, metrics, settings, guard, markers, wire, new CommitPacer(settings.earlyCommitBelowRecordsPerSecond()));
  }

  /**
   * The topology, with the instance's {@code pacer} (one per instance: the load it measures is the
   * sum over all tasks and stream threads; the engine feeds it the commit latency).
   */
  public static Topology build(
      Topics topics, ExecutionLauncher launcher, EngineMetrics metrics, Settings settings, ApprovalGuard guard,
      ResumeMarkers markers, WireCodec wire, CommitPacer pacer) {
    Topology topology = new Topology();
    var keys = Serdes.String();
    var bytes = Serdes.ByteArray();
    var arrival = new ArrivalTimeExtractor(pacer);
    var earliest = AutoOffsetReset.earliest();
    topology.addSource(earliest, REQUESTS_SOURCE, arrival, keys.deserializer(), bytes.deserializer(), topics.requests());
    topology.addSource(earliest, OUTCOMES_SOURCE, arrival, keys.deserializer(), bytes.deserializer(), topics.stepOutcomes());
    topology.addSource(earliest, APPROVALS_SOURCE, arrival, keys.deserializer(), bytes.deserializer(), topics.approvals());
    topology.addSource(earliest, SIGNALS_SOURCE, arrival, keys.deserializer(), bytes.deserializer(), topics.signals());
    topology.addSource(earliest, SESSIONS_SOURCE, arrival, keys.deserializer(), bytes.deserializer(), topics.sessions());
    topology.addSource(earliest, LIMIT_GRANTS_SOURCE, arrival, keys.deserializer(), bytes.deserializer(), topics.limitGrants());
    topology.addProcessor(
        ORCHESTRATOR,
        () -> new OrchestratorProcessor(topics, launcher, metrics, settings, guard, pacer, markers, wire),
        REQUESTS_SOURCE, OUTCOMES_SOURCE, APPROVALS_SOURCE, SIGNALS_SOURCE, SESSIONS_SOURCE, LIMIT_GRANTS_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SESSIONS_STORE), keys, bytes), ORCHESTRATOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SESSION_MESSAGES_STORE), keys, keys), ORCHESTRATOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RUNS_STORE), keys, avro(Envelopes::runState)), ORCHESTRATOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JOURNAL_STORE), keys, avro(Envelopes::journalEntry)),
        ORCHESTRATOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TIMERS_STORE), Serdes.Bytes(), keys), ORCHESTRATOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RUNS_BY_TIME_STORE), Serdes.Bytes(), bytes), ORCHESTRATOR);
    // always there, retention on or off: the topology's shape (its changelogs) does not depend on configuration
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EXPIRY_STORE), Serdes.Bytes(), keys), ORCHESTRATOR);
    topology.addSink(RESULTS_SINK, topics.results(), keys.serializer(), bytes.serializer(), ORCHESTRATOR);
    topology.addSink(EVENTS_SINK, topics.events(), keys.serializer(), bytes.serializer(), ORCHESTRATOR);
    topology.addSink(DLQ_SINK, topics.deadLetters(), keys.serializer(), bytes.serializer(), ORCHESTRATOR);
    // records a client put on another partition than Java's default partitioner would: moved home, in the transaction
    HomePartitioner home = new HomePartitioner(settings.partitions());
    topology.addSink(REQUESTS_SINK, topics.requests(), keys.serializer(), bytes.serializer(), home, ORCHESTRATOR);
    topology.addSink(APPROVALS_SINK, topics.approvals(), keys.serializer(), bytes.serializer(), home, ORCHESTRATOR);
    topology.addSink(SIGNALS_SINK, topics.signals(), keys.serializer(), bytes.serializer(), home, ORCHESTRATOR);
    topology.addSink(SESSIONS_SINK, topics.sessions(), keys.serializer(), bytes.serializer(), home, ORCHESTRATOR);
    topology.addSink(APPROVAL_REQUESTS_SINK, topics.approvalRequests(), keys.serializer(), bytes.serializer(), ORCHESTRATOR);
    // token streams: steps write partial output outside the transaction; a run's end marker goes with its result
    topology.addSink(STREAMS_SINK, topics.streams(), keys.serializer(), bytes.serializer(), ORCHESTRATOR);
    // ctx.emit: user topics, written with the journal entry in the same transaction (exactly once)
    topology.addSink(EMITS_SINK, EmitSink.topicOf(), keys.serializer(), EmitSink.valueBytes(), ORCHESTRATOR);
    // an expired run's claim-checked chunks: tombstones in the transaction that deletes its journal
    topology.addSink(PAYLOADS_SINK, topics.payloads(), PayloadTombstones.keySerializer(), bytes.serializer(), PayloadTombstones.partitioner(),
        ORCHESTRATOR);
    addFlowControl(topology, topics, launcher.flowControl(), home);
    return topology;
  }

  /**
   * Flow control (ADR 0019), always in the topology whether or not limiters are declared (its
   * shape, and so its changelogs, does not depend on configuration): the orchestrator writes
   * permit requests and releases to the limits topic in its transaction; the coordinator, its own
   * sub-topology keyed by limiter name, answers on the grants topic at each run's home partition.
   */
  private static void addFlowControl(Topology topology, Topics topics, io.stepstream.internal.limits.FlowControl flow, HomePartitioner home) {
    var keys = Serdes.String();
    var bytes = Serdes.ByteArray();
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PERMITS_STORE), keys, keys), ORCHESTRATOR);
    topology.addSink(LIMITS_SINK, topics.limits(), keys.serializer(), bytes.serializer(), ORCHESTRATOR);
    topology.addSource(AutoOffsetReset.earliest(), LIMITS_SOURCE, keys.deserializer(), bytes.deserializer(), topics.limits());
    topology.addProcessor(LIMITER_COORDINATOR,
        () -> new io.stepstream.internal.limits.LimiterCoordinator(flow, LIMITERS_STORE, COORDINATOR_LIMITS_SINK, LIMIT_GRANTS_SINK),
        LIMITS_SOURCE);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LIMITERS_STORE), keys, keys), LIMITER_COORDINATOR);
    topology.addSink(COORDINATOR_LIMITS_SINK, topics.limits(), keys.serializer(), bytes.serializer(), LIMITER_COORDINATOR);
    topology.addSink(LIMIT_GRANTS_SINK, topics.limitGrants(), keys.serializer(), bytes.serializer(), home, LIMITER_COORDINATOR);
  }

  private static <T extends org.apache.avro.specific.SpecificRecordBase> Serde<T> avro(
      java.util.function.Function<byte[], T> decoder) {
    return Serdes.serdeFrom((topic, value) -> value == null ? null : Envelopes.encode(value), (topic, data) -> data == null ? null : decoder.apply(data));
  }
}
