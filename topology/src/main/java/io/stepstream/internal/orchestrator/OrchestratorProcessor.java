package io.stepstream.internal.orchestrator;

import io.stepstream.Topics;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.InvalidInputException;
import java.util.function.Consumer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's orchestrator: routes each input record to its handler by source topic, and turns any
 * failure to handle one record into a dead letter so the partition keeps going.
 */
final class OrchestratorProcessor implements Processor<String, byte[], String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(OrchestratorProcessor.class);

  private final Topics topics;
  private final ExecutionLauncher launcher;
  private final EngineMetrics metrics;
  private final OrchestratorTopology.Settings settings;
  private ProcessorContext<String, byte[]> context;
  private Outputs outputs;
  private RunDispatcher dispatcher;
  private RunStore runs;
  private TimerStore timers;
  private RequestHandler requests;
  private OutcomeHandler outcomes;
  private long resumeDueAt;
  private boolean resumed;

  private final ApprovalTokens tokens;
  private final CommitPacer pacer;
  private WaitResolver waits;
  private ExternalInputHandler external;

  OrchestratorProcessor(
      Topics topics, ExecutionLauncher launcher, EngineMetrics metrics, OrchestratorTopology.Settings settings, ApprovalTokens tokens,
      CommitPacer pacer) {
    this.tokens = tokens;
    this.pacer = pacer;
    this.topics = topics;
    this.launcher = launcher;
    this.metrics = metrics;
    this.settings = settings;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    RunStore store = new RunStore(context.getStateStore(OrchestratorTopology.RUNS_STORE), context.getStateStore(OrchestratorTopology.JOURNAL_STORE));
    timers = new TimerStore(context.getStateStore(OrchestratorTopology.TIMERS_STORE));
    runs = store;
    outputs = new Outputs(context, metrics, pacer);
    dispatcher = new RunDispatcher(launcher, store, outputs, metrics);
    requests = new RequestHandler(launcher.registry(), store, timers, outputs, dispatcher, metrics);
    waits = new WaitResolver(store, timers, outputs, dispatcher, tokens);
    outcomes = new OutcomeHandler(store, timers, outputs, metrics, waits);
    external = new ExternalInputHandler(store, outputs, waits);
    // Resume after a short delay, so outcomes produced before a crash (after the last commit) are
    // re-applied first and their steps are not executed again.
    resumeDueAt = context.currentSystemTimeMs() + settings.resumeDelay().toMillis();
    context.schedule(settings.tickInterval(), PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    pacer.onInput(context.currentSystemTimeMs());
    String topic = currentTopic();
    Consumer<Record<String, byte[]>> handler = handlerFor(topic);
    try {
      handler.accept(record);
    } catch (InvalidInputException e) {
      LOG.warn("dead-lettering a record of {} (key {}): {}: {}", topic, record.key(), e.code(), e.getMessage());
      outputs.deadLetter(record, record.key(), e.code(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("unexpected error on a record of {} (key {}); dead-lettering it", topic, record.key(), e);
      outputs.deadLetter(record, record.key(), "ENGINE_ERROR", e.getClass().getName() + ": " + e.getMessage()
          + " (an engine bug: report it with this record; re-produce it from the DLQ once fixed)");
    }
  }

  private Consumer<Record<String, byte[]>> handlerFor(String topic) {
    if (topics.stepOutcomes().equals(topic)) {
      return outcomes::handle;
    }
    if (topics.approvals().equals(topic)) {
      return external::decision;
    }
    if (topics.signals().equals(topic)) {
      return r -> {
        var meta = context.recordMetadata().orElseThrow();
        external.signal(r, meta.topic(), meta.partition(), meta.offset());
      };
    }
    return requests::handle;
  }

  private void tick(long now) {
    if (!resumed && now >= resumeDueAt) {
      resumed = true;
      dispatcher.resumeUnfinishedRuns();
    }
    dispatcher.redispatchAbandoned();
    fireDueTimers(now);
  }

  /** Wall-clock punctuation: wakes every waiting run whose timer is due (bounded per tick). */
  private void fireDueTimers(long now) {
    for (TimerStore.Due due : timers.takeDue(now, settings.maxTimersPerTick())) {
      RunState state = runs.run(due.runId());
      // a timer left behind by a cancelled or re-dispatched wait is simply dropped
      if (state != null && state.getStatus() == RunStatus.WAITING && Long.valueOf(due.dueAt()).equals(state.getWakeAt())) {
        if (state.getWaitName() != null && ("APPROVAL".equals(state.getWaitKind()) || "SIGNAL".equals(state.getWaitKind()))) {
          waits.onDeadline(state, due.dueAt());
        } else {
          dispatcher.wake(state, due.dueAt());
        }
      }
    }
  }

  private String currentTopic() {
    return context.recordMetadata().map(m -> m.topic()).orElse(null);
  }

  @Override
  public void close() {
    if (dispatcher != null) {
      dispatcher.cancelAll();
    }
  }
}
