package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.EnvelopeReader;
import io.stepstream.internal.codec.RequestDecoder;
import io.stepstream.internal.executor.TraceHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Starts runs. A request for a run id that already exists starts nothing: it is recorded as
 * {@code DUPLICATE_REQUEST} on the events topic and the existing run goes on (its one result is the
 * answer to both requests).
 */
final class RequestHandler {
  static final int MAX_RUN_ID_LENGTH = 512;
  /** Room for the run state's fields besides input, ids and type (numbers, status, small strings). */
  private static final int RUN_STATE_FIXED_BYTES = 1_024;

  private final WorkflowRegistry registry;
  private final RunStore store;
  private final Outputs outputs;
  private final RunDispatcher dispatcher;
  private final EngineMetrics metrics;
  private final TimerStore timers;
  private final EarlyInputs early;
  private final WaitResolver waits;
  private final EnvelopeReader reader;
  private ChildLinks children;
  private AdminCommands admin;

  RequestHandler(
      WorkflowRegistry registry, RunStore store, TimerStore timers, Outputs outputs, RunDispatcher dispatcher, EngineMetrics metrics,
      EarlyInputs early, WaitResolver waits, EnvelopeReader reader) {
    this.reader = reader;
    this.early = early;
    this.waits = waits;
    this.registry = registry;
    this.store = store;
    this.timers = timers;
    this.outputs = outputs;
    this.dispatcher = dispatcher;
    this.metrics = metrics;
  }

  /** Child runs: a child remembers its parent; a run that ends here tells its parent and closes its children. */
  RequestHandler withChildren(ChildLinks children) {
    this.children = children;
    return this;
  }

  /** Terminate, restart, resume of all parked runs (ADR 0016). */
  RequestHandler withAdmin(AdminCommands admin) {
    this.admin = admin;
    return this;
  }

  void handle(Record<String, byte[]> record) {
    RequestDecoder.Inbound inbound = RequestDecoder.decodeInbound(record.value(), reader);
    if (inbound instanceof RequestDecoder.Command command) {
      handleCommand(record, command.command());
      return;
    }
    WorkflowRequest request = ((RequestDecoder.Start) inbound).request();
    String runId = request.getRunId().isEmpty() ? record.key() : request.getRunId();
    validateRunId(runId);
    if (record.key() == null) {
      outputs.rekeyRequest(runId, record);
      return;
    }
    if (!record.key().equals(runId)) {
      throw new InvalidInputException(
          "KEY_MISMATCH",
          "record key '" + record.key() + "' differs from runId '" + runId + "'; key requests by their run id");
    }
    request.setRunId(runId);
    RunState existing = store.run(runId);
    if (existing != null) {
      metrics.duplicateRequests.incrementAndGet();
      outputs.audit(existing, AuditEventType.DUPLICATE_REQUEST, null, 0, existing.getGeneration(),
          "run " + runId + " already exists (" + existing.getStatus() + "); this request was ignored");
      children.onDuplicateRequest(request, ChildLinks.parentOf(record.headers()), existing);
      return;
    }
    start(request, TraceHeaders.from(record.headers()), ChildLinks.parentOf(record.headers()));
  }

  private void handleCommand(Record<String, byte[]> record, RunCommand command) {
    String runId = command.getRunId().isEmpty() ? record.key() : command.getRunId();
    validateRunId(runId);
    if (record.key() == null) {
      outputs.rekeyRequest(runId, record);
      return;
    }
    if (!record.key().equals(runId)) {
      throw new InvalidInputException("KEY_MISMATCH", "record key '" + record.key() + "' differs from runId '" + runId + "'");
    }
    if (command.getType() == RunCommandType.RESUME_PARKED) {
      admin.resumeParked(record.key(), command); // one record per partition, keyed to land on it; no run of its own
      return;
    }
    RunState state = store.run(runId);
    if (command.getType() == RunCommandType.TERMINATE) {
      admin.terminate(runId, state, command);
    } else if (command.getType() == RunCommandType.RESTART) {
      admin.restart(runId, state, command);
    } else if (command.getType() == RunCommandType.RESUME) {
      resume(runId, state, command);
    } else if (command.getType() == RunCommandType.CANCEL) {
      cancel(runId, state, command);
    } else {
      throw new InvalidInputException("UNKNOWN_COMMAND", "command " + command.getCommandId() + " for run " + runId
          + " has a type this engine does not know; known: cancel, resume, terminate, restart, resume-parked");
    }
  }

  private void cancel(String runId, RunState state, RunCommand command) {
    String rejection =
        state == null ? "no run " + runId + " exists; nothing to cancel"
            : isFinished(state) ? "run " + runId + " already ended " + state.getStatus() + "; nothing to cancel"
            // a run parked while being cancelled (its compensation could not replay) can still be cancelled: it ends here
            : state.getCancelRequested() && state.getStatus() != RunStatus.PARKED ? "run " + runId + " is already being cancelled"
            : null;
    if (rejection != null) {
      outputs.emit(outputs.event(runId, AuditEventType.CANCEL_REJECTED).setDetail(rejection).setCommandId(command.getCommandId()));
      return;
    }
    state.setCancelRequested(true);
    state.setCancelReason(Outputs.cut(command.getReason())); // kept in the header, rewritten at every transition
    if (state.getStatus() == RunStatus.WAITING && state.getWakeAt() != null) {
      timers.cancel(state.getWakeAt(), runId);
    }
    outputs.emit(
        outputs.event(state, AuditEventType.CANCEL_REQUESTED)
            .setDetail("cancel requested" + (command.getRequestedBy() == null ? "" : " by " + command.getRequestedBy())
                + (command.getReason() == null ? "" : ": " + command.getReason()))
            .setCommandId(command.getCommandId())
            .setGeneration(state.getGeneration() + 1));
    if (state.getStatus() == RunStatus.PARKED) {
      // its code cannot be replayed (that is why it is parked), so it cannot stop at a step boundary
      // and compensate: it ends here
      endCancelledWhileParked(state, command);
      return;
    }
    // a new generation in cancel mode: stops at the next step boundary, then compensates
    dispatcher.dispatch(state);
  }

  private void endCancelledWhileParked(RunState state, RunCommand command) {
    String message = "run " + state.getRunId() + " was cancelled while parked (" + state.getParkedReason() + ")"
        + (command.getReason() == null ? "" : ": " + command.getReason()) + "; its compensations were not run";
    state.setStatus(RunStatus.CANCELLED);
    state.setUpdatedAt(outputs.now());
    store.save(state);
    outputs.audit(state, AuditEventType.RUN_CANCELLED, null, 0, state.getGeneration(), message, state.getUsage());
    waits.onRunFinished(state);
    WorkflowResult result = result(state, RunStatus.CANCELLED, ErrorInfo.newBuilder().setType("CANCELLED").setMessage(message).build());
    outputs.result(result);
    children.onRunFinished(state, result);
  }

  /** An operator's `stepstream resume`: a parked run is dispatched again with the code deployed now. */
  private void resume(String runId, RunState state, RunCommand command) {
    String rejection =
        state == null ? "no run " + runId + " exists; nothing to resume"
            : state.getStatus() != RunStatus.PARKED ? "run " + runId + " is " + state.getStatus() + ", not PARKED; only parked runs are resumed"
            : null;
    if (rejection != null) {
      outputs.emit(outputs.event(runId, AuditEventType.RESUME_REJECTED).setDetail(rejection).setCommandId(command.getCommandId()));
      return;
    }
    outputs.emit(
        outputs.event(state, AuditEventType.RESUME_REQUESTED)
            .setDetail("resume requested" + (command.getRequestedBy() == null ? "" : " by " + command.getRequestedBy())
                + "; was parked: " + state.getParkedReason())
            .setCommandId(command.getCommandId())
            .setGeneration(state.getGeneration() + 1));
    state.setRedispatches(0);
    dispatcher.dispatch(state);
  }

  static boolean isFinished(RunState state) {
    return state.getStatus() == RunStatus.COMPLETED || state.getStatus() == RunStatus.FAILED || state.getStatus() == RunStatus.CANCELLED
        || state.getStatus() == RunStatus.TERMINATED;
  }

  /**
   * A new run; {@code trace}: the request's W3C trace context (null if none), kept with the run;
   * {@code parent}: the run that started it as a child (null if none), which gets its result.
   */
  private void start(WorkflowRequest request, java.util.Map<String, String> trace, ChildLinks.Parent parent) {
    long now = outputs.now();
    RunState state =
        RunState.newBuilder()
            .setRunId(request.getRunId())
            .setWorkflowType(request.getWorkflowType())
            .setStatus(RunStatus.RUNNING)
            .setGeneration(0)
            .setCreatedAt(now)
            .setUpdatedAt(now)
            .setRequestedAt(request.getRequestedAt())
            .setTraceHeaders(trace)
            .setParentRunId(parent == null ? null : parent.runId())
            .setParentChildName(parent == null ? null : parent.childName())
            .build();
    metrics.runsStarted.incrementAndGet();
    store.indexNew(state); // listed by queries (every path below saves the run)
    store.created();
    boolean hasEarlyInputs = early.adopt(state.getRunId());
    int size = runStateSizeBound(state, request.getInput());
    if (size > outputs.recordLimit().bytes()) {
      fail(state, "INPUT_TOO_LARGE",
          "the input of run " + state.getRunId() + " makes its stored input about " + size + " bytes; the engine keeps a run's input in its"
              + " journal store, whose records may be at most " + outputs.recordLimit().describe() + ". Pass a reference to data stored"
              + " elsewhere (object store, database) instead, or start the run with the Java WorkflowClient, which claim-checks large inputs"
              + " (docs/large-payloads.md)");
      return;
    }
    if (request.getInput() != null) {
      // once, in the journal: the header is rewritten at every transition and must not carry it (RunInputs);
      // kept also when the run fails at once below: it is what the run was asked to do
      store.recordIfAbsent(RunInputs.entry(state.getRunId(), request.getInput(), now));
    }
    if (registry.find(request.getWorkflowType()).isEmpty()) {
      fail(state, "UNKNOWN_WORKFLOW_TYPE",
          "no workflow type '" + state.getWorkflowType() + "' is registered on this engine (registered: "
              + String.join(", ", registry.types()) + "); fix workflowType in the request or register the workflow");
      return;
    }
    outputs.audit(state, AuditEventType.RUN_STARTED, null, 0, 1, "type " + state.getWorkflowType());
    dispatcher.dispatchFirst(state, request.getInput(), hasEarlyInputs);
  }

  /**
   * An upper bound of the encoded size of the run's largest record (its input entry, or its header),
   * from its parts: the input dominates, the other fields are ids, a type name and a few numbers.
   * (Encoding here too would encode every new run twice: the store encodes it again when it is saved.)
   */
  private static int runStateSizeBound(RunState state, io.stepstream.avro.Payload payload) {
    int input = payload == null ? 0 : payload.getData().remaining()
        + (payload.getJavaType() == null ? 0 : payload.getJavaType().length() * 3);
    int trace = state.getTraceHeaders() == null ? 0
        : state.getTraceHeaders().entrySet().stream().mapToInt(e -> 3 * (e.getKey().length() + e.getValue().length()) + 4).sum();
    return input + trace + 3 * (state.getRunId().length() + state.getWorkflowType().length()) + RUN_STATE_FIXED_BYTES;
  }

  /** The request cannot start a run: the run ends FAILED at once, with one result saying why. */
  private void fail(RunState state, String code, String message) {
    state.setStatus(RunStatus.FAILED);
    store.save(state);
    outputs.audit(state, AuditEventType.RUN_FAILED, null, 0, 0, code + ": " + message);
    waits.onRunFinished(state);
    WorkflowResult result = result(state, RunStatus.FAILED, ErrorInfo.newBuilder().setType(code).setMessage(message).build());
    outputs.result(result);
    children.onRunFinished(state, result);
  }

  private WorkflowResult result(RunState state, RunStatus status, ErrorInfo error) {
    return WorkflowResult.newBuilder()
        .setRunId(state.getRunId())
        .setWorkflowType(state.getWorkflowType())
        .setStatus(status)
        .setError(error)
        .setStartedAt(state.getCreatedAt())
        .setFinishedAt(outputs.now())
        .setRequestedAt(state.getRequestedAt())
        .setUsage(state.getUsage())
        .build();
  }

  private static void validateRunId(String runId) {
    if (runId == null || runId.isBlank()) {
      throw new InvalidInputException("MISSING_RUN_ID", "the request has neither a record key nor a runId; set the key to the run id");
    }
    if (runId.length() > MAX_RUN_ID_LENGTH || runId.indexOf(RunStore.SEPARATOR) >= 0) {
      throw new InvalidInputException(
          "INVALID_RUN_ID", "run ids must be at most " + MAX_RUN_ID_LENGTH + " characters without NUL characters");
    }
  }
}
