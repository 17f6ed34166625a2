package io.stepstream.internal.orchestrator;

import io.stepstream.client.Topics;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.WireCodec;
import io.stepstream.internal.executor.LogContext;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's orchestrator: moves external records that landed off their run's home partition, routes
 * each other input record to its handler by source topic, and turns any failure to handle one record
 * into a dead letter so the partition keeps going. Its wall-clock tick resumes runs after assignment
 * (once the step-outcomes backlog is read), fires due timers and runs the watchdog.
 */
final class OrchestratorProcessor implements Processor<String, byte[], String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(OrchestratorProcessor.class);

  private final Topics topics;
  private final ExecutionLauncher launcher;
  private final EngineMetrics metrics;
  private final OrchestratorTopology.Settings settings;
  private final ApprovalGuard guard;
  private final CommitPacer pacer;
  private final ResumeMarkers markers;
  private final HomePartitioner home;
  private final WireCodec wire;
  private ProcessorContext<String, byte[]> context;
  private Outputs outputs;
  private RunDispatcher dispatcher;
  private RunStore runs;
  private TimerStore timers;
  private RequestHandler requests;
  private OutcomeHandler outcomes;
  private WaitResolver waits;
  private EarlyInputs early;
  private ExternalInputHandler external;
  private AdminCommands admin;
  private io.stepstream.internal.session.SessionInbox sessions;
  private PermitExchange permits;
  private String resumeMarker;
  private long resumeDueAt;
  private boolean resumed;
  private long nextWatchdogAt;
  /** Null when finished runs are kept forever. */
  private RunExpiry expiry;
  private long nextStoredRunsAt;
  /** How often the stored-runs gauge is refreshed from the store's estimate. */
  private static final long STORED_RUNS_EVERY_MS = 5_000;

  OrchestratorProcessor(
      Topics topics, ExecutionLauncher launcher, EngineMetrics metrics, OrchestratorTopology.Settings settings, ApprovalGuard guard,
      CommitPacer pacer, ResumeMarkers markers, WireCodec wire) {
    this.wire = wire;
    this.topics = topics;
    this.launcher = launcher;
    this.metrics = metrics;
    this.settings = settings;
    this.guard = guard;
    this.pacer = pacer;
    this.markers = markers;
    this.home = new HomePartitioner(settings.partitions());
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    runs = new RunStore(context.getStateStore(OrchestratorTopology.RUNS_STORE), context.getStateStore(OrchestratorTopology.JOURNAL_STORE),
        context.getStateStore(OrchestratorTopology.RUNS_BY_TIME_STORE));
    runs.backfillIndexIfEmpty(); // queries: runs stored before the index existed
    timers = new TimerStore(context.getStateStore(OrchestratorTopology.TIMERS_STORE));
    if (settings.retention() != null) {
      expiry = new RunExpiry(runs, timers, context.getStateStore(OrchestratorTopology.EXPIRY_STORE), settings.retention(), metrics)
          .onPayloadsExpired(refs -> outputs.payloadTombstones(refs));
      runs.onFinished(expiry::onFinished);
    }
    outputs = new Outputs(context, metrics, pacer, settings.recordLimit(), runs.traces(), OutputEncoders.of(wire, topics),
        settings.stackTracesInResults()).withAuditLevel(settings.auditLevel());
    dispatcher = new RunDispatcher(launcher, runs, timers, outputs, metrics, settings.maxRedispatches());
    permits = new PermitExchange(runs, outputs, dispatcher, context.getStateStore(OrchestratorTopology.PERMITS_STORE), launcher.flowControl());
    // queries: describe shows a finished run's result; flow control: permits a finished run holds go back
    outputs.onResult(result -> {
      runs.recordResult(result);
      permits.onRunFinished(result);
    });
    waits = new WaitResolver(runs, timers, outputs, dispatcher, guard);
    early = new EarlyInputs(runs, timers, outputs, settings.earlyInputTtl(), topics);
    ChildLinks children = new ChildLinks(runs, timers, outputs, dispatcher);
    admin = new AdminCommands(runs, timers, outputs, dispatcher, waits, children);
    requests = new RequestHandler(launcher.registry(), runs, timers, outputs, dispatcher, metrics, early, waits, wire.reader())
        .withChildren(children).withAdmin(admin);
    EmitSink emitSink = new EmitSink(context, runs, outputs, launcher.emitTopics());
    outcomes = new OutcomeHandler(runs, timers, outputs, metrics, waits, dispatcher, this::onResumeMarker, emitSink)
        .withChildren(children).withPermits(permits);
    runs.onFinished(new TaskCancels(runs, emitSink, launcher.emitTopics(), outputs::now)::onRunFinished);
    SessionLinks sessionLinks = new SessionLinks(runs, outputs);
    outputs.onResult(sessionLinks::onResult); // a turn run's end goes to its session (ADR 0017)
    sessions = new io.stepstream.internal.session.SessionInbox(launcher.registry()::session,
        context.getStateStore(OrchestratorTopology.SESSIONS_STORE), context.getStateStore(OrchestratorTopology.SESSION_MESSAGES_STORE),
        sessionLinks);
    external = new ExternalInputHandler(runs, outputs, waits, early, guard, wire.reader()).withChildren(children);
    long now = context.currentSystemTimeMs();
    // Resume once this task has read what executions published before it got the partition (their
    // steps need not run again): a marker sent now comes back after all of it. At the latest after
    // resumeDelay, should the marker be lost.
    resumeDueAt = now + settings.resumeDelay().toMillis();
    if (markers.enabled()) {
      resumeMarker = ResumeMarkers.PREFIX + UUID.randomUUID();
      markers.send(context.taskId().partition(), resumeMarker);
    }
    nextWatchdogAt = now + settings.watchdogAfter().toMillis();
    context.schedule(settings.tickInterval(), PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    // log lines about this record name its run (step outcomes are keyed by run id too)
    try (LogContext log = LogContext.run(record.key(), null)) {
      processForRun(record);
    }
  }

  private void processForRun(Record<String, byte[]> record) {
    pacer.onInput(context.currentSystemTimeMs());
    commitHeldResults(context.currentSystemTimeMs());
    RecordMetadata meta = context.recordMetadata().orElseThrow();
    String topic = meta.topic();
    // a promise completion may be keyed by its promise id, which names its run
    String runKey = io.stepstream.internal.codec.PromiseIds.runIdOrSelf(record.key());
    if (isExternal(topic) && runKey != null && !home.isHome(runKey, meta.partition())) {
      // put there by a client whose partitioner is not Java's: its run lives on another task
      outputs.forwardHome(homeSinkOf(topic), runKey.equals(record.key()) ? record : record.withKey(runKey));
      metrics.rerouted.incrementAndGet();
      return;
    }
    try {
      auditIfRedriven(record, runKey, meta);
      handlerFor(topic, meta).accept(record);
    } catch (InvalidInputException e) {
      LOG.warn("dead-lettering a record of {} (key {}): {}: {}", topic, record.key(), e.code(), e.getMessage());
      outputs.deadLetter(record, record.key(), e.code(), e.getMessage());
    } catch (org.apache.kafka.streams.errors.StreamsException e) {
      throw e; // Kafka Streams' own (task migrated, producer fenced): the task must be closed, not the record blamed
    } catch (RuntimeException e) {
      LOG.error("unexpected error on a record of {} (key {}); dead-lettering it", topic, record.key(), e);
      outputs.deadLetter(record, record.key(), "ENGINE_ERROR", e.getClass().getName() + ": " + e.getMessage()
          + " (an engine bug: report it with this record; re-produce it from the DLQ once fixed)");
    }
  }

  /** A record re-produced from the DLQ (ADR 0016): say so on the run's events, in this transaction, before it is handled. */
  private void auditIfRedriven(Record<String, byte[]> record, String runKey, RecordMetadata meta) {
    String from = io.stepstream.internal.codec.RedriveHeaders.text(record.headers(), io.stepstream.internal.codec.RedriveHeaders.FROM);
    if (from == null) {
      return;
    }
    String by = io.stepstream.internal.codec.RedriveHeaders.text(record.headers(), io.stepstream.internal.codec.RedriveHeaders.BY);
    metrics.redrivenRecords.incrementAndGet();
    outputs.emit(outputs.event(runKey == null ? "" : runKey, io.stepstream.avro.AuditEventType.RECORD_REDRIVEN)
        .setDetail("dead letter " + from + " redriven" + (by == null ? "" : " by " + by) + " to " + meta.topic() + "-" + meta.partition()
            + "@" + meta.offset() + "; handled now"));
  }

  private boolean isExternal(String topic) {
    return !topics.stepOutcomes().equals(topic) && !topics.limitGrants().equals(topic); // grants: written home by the engine
  }

  private String homeSinkOf(String topic) {
    if (topics.approvals().equals(topic)) {
      return OrchestratorTopology.APPROVALS_SINK;
    }
    if (topics.sessions().equals(topic)) {
      return OrchestratorTopology.SESSIONS_SINK;
    }
    return topics.signals().equals(topic) ? OrchestratorTopology.SIGNALS_SINK : OrchestratorTopology.REQUESTS_SINK;
  }

  private Consumer<Record<String, byte[]>> handlerFor(String topic, RecordMetadata meta) {
    if (topics.stepOutcomes().equals(topic)) {
      return outcomes::handle;
    }
    if (topics.approvals().equals(topic)) {
      return external::decision;
    }
    if (topics.signals().equals(topic)) {
      return r -> external.signal(r, meta.topic(), meta.partition(), meta.offset());
    }
    if (topics.sessions().equals(topic)) {
      return r -> sessions.handle(r.key(), r.value()); // keyed by the session key: its home is the key's
    }
    if (topics.limitGrants().equals(topic)) {
      return permits::onAnswer;
    }
    return requests::handle;
  }

  private void onResumeMarker(String markerId) {
    if (markerId.equals(resumeMarker) && !resumed) {
      resumeNow("step-outcomes backlog read");
    }
  }

  private void resumeNow(String why) {
    resumed = true;
    LOG.debug("task {}: resuming unfinished runs ({})", context.taskId(), why);
    dispatcher.resumeUnfinishedRuns();
  }

  /**
   * Results the pacer held back inside its gap are committed once the gap has passed: checked on
   * every input record (steady load brings one within the gap) and on every tick (when input stops).
   * Not from a punctuation of its own: a punctuation every few ms makes Kafka Streams process fewer
   * records per loop (measured: open-loop latency tripled at 600 runs/s).
   */
  private void commitHeldResults(long now) {
    if (pacer.heldCommitDue(now)) {
      context.commit();
    }
  }

  private void tick(long now) {
    commitHeldResults(now);
    if (!resumed && now >= resumeDueAt) {
      if (resumeMarker != null) {
        LOG.warn("task {}: resume marker not back after {}; resuming runs anyway (some steps may run again)",
            context.taskId(), settings.resumeDelay());
      }
      resumeNow("resume delay passed");
    }
    // safe before the backlog is read: their runs' current executions were dispatched by this task,
    // or (timers) by committed state that no uncommitted outcome can answer
    dispatcher.redispatchAbandoned();
    fireDueTimers(now);
    admin.resumeSomeParked(); // a RESUME_PARKED command's backlog, bounded per tick
    if (expiry != null) {
      expiry.tick(now);
    }
    if (now >= nextStoredRunsAt) {
      nextStoredRunsAt = now + STORED_RUNS_EVERY_MS;
      metrics.storedRuns(context.taskId().toString(), runs.storedRuns());
    }
    if (resumed && now >= nextWatchdogAt) {
      // a pass every half period, overdue at the pass after the one that first saw it: within watchdogAfter
      nextWatchdogAt = now + settings.watchdogAfter().toMillis() / 2;
      dispatcher.redispatchForgotten(now, settings.watchdogAfter().toMillis() / 2);
    }
  }

  /** Wall-clock punctuation: wakes every waiting run whose timer is due (bounded per tick). */
  private void fireDueTimers(long now) {
    for (TimerStore.Due due : timers.takeDue(now, settings.maxTimersPerTick())) {
      try (LogContext log = LogContext.run(due.runId(), null)) {
        fireLogged(due, now);
      }
    }
  }

  /** One timer; one that cannot fire must not cost the others theirs (they were taken with it). */
  private void fireLogged(TimerStore.Due due, long now) {
    try {
      fire(due, now);
    } catch (org.apache.kafka.streams.errors.StreamsException e) {
      throw e; // the task is migrating or fenced: nothing about this run is wrong
    } catch (RuntimeException e) {
      LOG.error("run {}: firing its timer due at {} failed; parking the run", due.runId(), due.dueAt(), e);
      RunState state = runs.run(due.runId());
      if (state != null && !RequestHandler.isFinished(state)) {
        dispatcher.park(state, "TIMER_FAILED", "its timer due at " + java.time.Instant.ofEpochMilli(due.dueAt())
            + " could not fire: " + e + "; see the engine log, fix the cause, then `stepstream resume " + state.getRunId() + "`");
      }
    }
  }

  private void fire(TimerStore.Due due, long now) {
    RunState state = runs.run(due.runId());
    if (state == null) {
      early.expireIfDue(due.runId(), due.dueAt());
      return;
    }
    // a timer left behind by a cancelled or re-dispatched wait is simply dropped
    if (state.getStatus() != RunStatus.WAITING || !Long.valueOf(due.dueAt()).equals(state.getWakeAt())) {
      return;
    }
    metrics.timerFired(now - due.dueAt());
    if (state.getWaitName() != null
        && ("APPROVAL".equals(state.getWaitKind()) || "SIGNAL".equals(state.getWaitKind()) || "PROMISE".equals(state.getWaitKind()))) {
      waits.onDeadline(state, due.dueAt());
    } else if (RunDispatcher.REDISPATCH_WAIT.equals(state.getWaitKind())) {
      dispatcher.redispatchNow(state);
    } else {
      dispatcher.wake(state, due.dueAt());
    }
  }

  @Override
  public void close() {
    if (context != null) {
      metrics.storedRuns(context.taskId().toString(), -1); // another instance holds this task's runs now
    }
    if (dispatcher != null) {
      dispatcher.cancelAll();
    }
  }
}
