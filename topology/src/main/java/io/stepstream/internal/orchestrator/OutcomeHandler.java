package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunCompletion;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.InvalidInputException;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Applies step outcomes to the journal: only outcomes of the run's current execution, and per
 * (run, name) only the first. Everything else is a duplicate or stale, counted and audited, never
 * applied.
 */
final class OutcomeHandler {
  private final RunStore store;
  private final TimerStore timers;
  private final Outputs outputs;
  private final EngineMetrics metrics;
  private final WaitResolver waits;
  private final java.util.function.Consumer<String> onResumeMarker;
  private final RunDispatcher dispatcher;
  private final EmitSink emits;
  private ChildLinks children;
  private PermitExchange permits;

  OutcomeHandler(
      RunStore store, TimerStore timers, Outputs outputs, EngineMetrics metrics, WaitResolver waits, RunDispatcher dispatcher,
      java.util.function.Consumer<String> onResumeMarker, EmitSink emits) {
    this.emits = emits;
    this.dispatcher = dispatcher;
    this.onResumeMarker = onResumeMarker;
    this.waits = waits;
    this.store = store;
    this.timers = timers;
    this.outputs = outputs;
    this.metrics = metrics;
  }

  /** Child runs: started when their CHILD_START entry is applied, told when their parent ends. */
  OutcomeHandler withChildren(ChildLinks children) {
    this.children = children;
    return this;
  }

  /** Flow control (ADR 0019): permit requests and releases go to the limiters, a permit wait may end at once. */
  OutcomeHandler withPermits(PermitExchange permits) {
    this.permits = permits;
    return this;
  }

  void handle(Record<String, byte[]> record) {
    StepOutcome outcome;
    try {
      outcome = Envelopes.outcome(record.value());
    } catch (RuntimeException e) {
      throw new InvalidInputException("UNDECODABLE_OUTCOME", "not a StepOutcome: " + e.getMessage());
    }
    if (outcome.getRunId().isEmpty() && outcome.getExecutionId() != null && outcome.getExecutionId().startsWith(ResumeMarkers.PREFIX)) {
      onResumeMarker.accept(outcome.getExecutionId());
      return;
    }
    RunState state = store.run(outcome.getRunId());
    if (state == null) {
      // typically an execution whose dispatch was rolled back with its run's start (a crash before
      // the commit): its request is read again and starts the run afresh; nothing to apply
      metrics.staleOutcomes.incrementAndGet();
      ignore(outcome, AuditEventType.STALE_OUTCOME, "run " + outcome.getRunId() + " does not exist (its start was not committed)");
      return;
    }
    if (RequestHandler.isFinished(state)) {
      if (state.getStatus() == RunStatus.TERMINATED && !isOfCurrentExecution(outcome, state)) {
        // terminate fenced the execution it stopped: what it still publishes is stale, not a duplicate
        metrics.staleOutcomes.incrementAndGet();
        ignore(outcome, AuditEventType.STALE_OUTCOME, "run " + state.getRunId() + " was TERMINATED; execution "
            + outcome.getExecutionId() + " (generation " + outcome.getGeneration() + ") was stopped by it");
        return;
      }
      ignore(outcome, AuditEventType.DUPLICATE_OUTCOME, "run already " + state.getStatus());
      return;
    }
    if (!isOfCurrentExecution(outcome, state)) {
      metrics.staleOutcomes.incrementAndGet();
      ignore(outcome, AuditEventType.STALE_OUTCOME,
          "execution " + outcome.getExecutionId() + " (generation " + outcome.getGeneration() + ") is not the run's current execution "
              + state.getExecutionId() + " (generation " + state.getGeneration() + ")");
      return;
    }
    state.setRedispatches(0); // the current execution got somewhere: not a poison run
    for (JournalEntry entry : outcome.getEntries()) {
      if (entry.getKind() == EntryKind.EMIT && !emits.belongsToJournaledResult(outcome, entry)) {
        metrics.duplicateOutcomes.incrementAndGet();
        outputs.audit(state, AuditEventType.DUPLICATE_OUTCOME, entry.getName(), entry.getAttempt(), entry.getGeneration(),
            "a record emitted by a step result that was not journaled (the first result stands); not written");
        continue;
      }
      apply(state, entry);
    }
    if (outcome.getCompletion() != null) {
      dispatcher.completionApplied(state.getRunId());
      complete(state, outcome.getCompletion());
    }
    state.setUpdatedAt(outputs.now());
    store.save(state);
  }

  /**
   * The fence. Execution ids never repeat; generations do after a crash rolls the run state back, so
   * they decide only for state written before execution ids existed.
   */
  static boolean isOfCurrentExecution(StepOutcome outcome, RunState state) {
    if (state.getExecutionId() == null) {
      return outcome.getExecutionId() == null && outcome.getGeneration() == state.getGeneration();
    }
    return state.getExecutionId().equals(outcome.getExecutionId());
  }

  private void apply(RunState state, JournalEntry entry) {
    if (entry.getKind() == EntryKind.HEARTBEAT) {
      store.overwrite(entry); // progress details: the latest is the useful one
      return;
    }
    if (!store.recordInOrder(state, entry)) {
      metrics.duplicateOutcomes.incrementAndGet();
      outputs.audit(state, AuditEventType.DUPLICATE_OUTCOME, entry.getName(), entry.getAttempt(), entry.getGeneration(),
          "'" + entry.getName() + "' was already recorded; the first outcome stands");
      return;
    }
    state.setEntryCount(state.getEntryCount() + 1);
    UsageTotals.applied(state, entry, metrics);
    String detail = entry.getError() == null ? null : entry.getError().getType() + ": " + entry.getError().getMessage();
    if (entry.getKind() == EntryKind.STEP) {
      AuditEventType type = entry.getSucceeded() ? AuditEventType.STEP_COMPLETED : AuditEventType.STEP_FAILED;
      outputs.audit(state, type, entry.getName(), entry.getAttempt(), entry.getGeneration(), detail, entry.getUsage());
    } else if (entry.getKind() == EntryKind.EMIT) {
      emits.write(state, entry); // in this transaction, with the entry
    } else if (entry.getKind() == EntryKind.APPROVAL_WAIT) {
      waits.onWaitRegistered(state, entry);
    } else if (entry.getKind() == EntryKind.CHILD_START) {
      children.onChildStart(state, entry);
    } else if (entry.getKind() == EntryKind.PERMIT_REQUEST) {
      permits.onRequest(state, entry);
    } else if (entry.getKind() == EntryKind.PERMIT_RELEASE) {
      permits.onRelease(state, entry);
    } else if (entry.getKind() == EntryKind.STEP_ATTEMPT) {
      String step = entry.getError().getStep();
      boolean timedOut = "STEP_TIMEOUT".equals(entry.getError().getType());
      outputs.audit(state, timedOut ? AuditEventType.STEP_TIMED_OUT : AuditEventType.STEP_ATTEMPT_FAILED, step,
          entry.getAttempt(), entry.getGeneration(), detail, entry.getUsage());
      outputs.audit(state, AuditEventType.RETRY_SCHEDULED, step, entry.getAttempt() + 1, entry.getGeneration(),
          "attempt " + (entry.getAttempt() + 1) + " at " + java.time.Instant.ofEpochMilli(entry.getDueAt()));
    }
  }

  private void complete(RunState state, RunCompletion completion) {
    state.setStatus(completion.getStatus());
    if (completion.getStatus() == RunStatus.WAITING) {
      state.setWakeAt(completion.getWakeAt());
      state.setWaitingFor(Outputs.cut(completion.getReason())); // the header is rewritten at every transition: texts in it stay short
      state.setWaitKind(completion.getWaitKind());
      state.setWaitName(completion.getWaitName());
      if (completion.getWakeAt() != null) { // none: a wait without a deadline needs no timer
        timers.schedule(completion.getWakeAt(), state.getRunId());
      }
      outputs.audit(state, AuditEventType.RUN_WAITING, completion.getWaitName(), 0, state.getGeneration(),
          completion.getReason() + (completion.getWakeAt() == null ? " (no deadline)" : " until " + java.time.Instant.ofEpochMilli(completion.getWakeAt())));
      if ("APPROVAL".equals(completion.getWaitKind()) || "SIGNAL".equals(completion.getWaitKind()) || "PROMISE".equals(completion.getWaitKind())) {
        waits.onWaiting(state);
      } else if (ChildLinks.WAIT_KIND.equals(completion.getWaitKind())) {
        children.onWaiting(state);
      } else if (permits != null) {
        permits.onWaiting(state); // a permit answered while the execution ran
      }
      return;
    }
    String detail = completion.getError() == null ? null : completion.getError().getType() + ": " + completion.getError().getMessage();
    if (completion.getStatus() == RunStatus.PARKED) {
      // not a result: the run resumes when fixed code is deployed and the instance restarts, or on `stepstream resume`
      state.setParkedReason(Outputs.cut(detail));
      metrics.runParked(completion.getError() == null ? null : completion.getError().getType());
      outputs.audit(state, AuditEventType.RUN_PARKED, null, 0, state.getGeneration(), detail);
      return;
    }
    if (completion.getReason() != null) {
      outputs.audit(state, AuditEventType.JOURNAL_ENTRIES_UNREACHED, null, 0, state.getGeneration(), completion.getReason());
    }
    AuditEventType type =
        switch (completion.getStatus()) {
          case COMPLETED -> AuditEventType.RUN_COMPLETED;
          case CANCELLED -> AuditEventType.RUN_CANCELLED;
          default -> AuditEventType.RUN_FAILED;
        };
    outputs.audit(state, type, completion.getError() == null ? null : completion.getError().getStep(), 0,
        state.getGeneration(), detail, state.getUsage());
    waits.onRunFinished(state);
    WorkflowResult result =
        WorkflowResult.newBuilder()
            .setRunId(state.getRunId())
            .setWorkflowType(state.getWorkflowType())
            .setStatus(completion.getStatus())
            .setOutput(completion.getOutput())
            .setError(completion.getError())
            .setStartedAt(state.getCreatedAt())
            .setFinishedAt(outputs.now())
            .setRequestedAt(state.getRequestedAt())
            .setUsage(state.getUsage())
            .build();
    outputs.result(result);
    children.onRunFinished(state, result);
  }

  private void ignore(StepOutcome outcome, AuditEventType type, String why) {
    if (type == AuditEventType.DUPLICATE_OUTCOME) {
      metrics.duplicateOutcomes.incrementAndGet();
    }
    String names = outcome.getEntries().isEmpty() ? "completion" : outcome.getEntries().get(0).getName();
    outputs.audit(outcome.getRunId(), type, names, 0, outcome.getGeneration(), why);
  }
}
