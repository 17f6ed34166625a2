package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.limits.FlowControl;
import io.stepstream.internal.limits.LimitMessage;
import io.stepstream.internal.limits.LimitsJson;
import io.stepstream.internal.limits.PermitAnswer;
import io.stepstream.internal.limits.PermitRelease;
import io.stepstream.internal.limits.PermitRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The orchestrator's side of flow control (ADR 0019), all inside its exactly-once transaction: a
 * journaled permit request becomes an acquire on the limits topic; the coordinator's answer is
 * journaled as the step's permit and wakes the run; a journaled release (the try ended) returns
 * the permit to each limiter that granted it and charges the reported usage to the budget key.
 * Permits a run holds are also kept in a small store ({@code stepstream-permits}, key {@code
 * <runId>\0<permit name>}) so a run that ends, however it ends, gives them back at once.
 *
 * <p>Steps without limiters never reach this class; an engine that declares no flow control does
 * no work here at all.
 */
final class PermitExchange {
  static final String GRANT_PREFIX = "$permit:";
  private static final StringSerializer KEYS = new StringSerializer();
  /** First character of a held permit's value: whether an execution was dispatched since it was granted. */
  private static final String UNSEEN = "0";
  private static final String SEEN = "1";
  /** Waits that a grant may cut short: the run is dispatched at once and waits again for the rest. */
  private static final Set<String> WAKE_ON_GRANT = Set.of("PERMIT", "RETRY", "SLEEP");

  private final RunStore runs;
  private final Outputs outputs;
  private final RunDispatcher dispatcher;
  private final KeyValueStore<String, String> held;
  private final FlowControl flow;

  PermitExchange(RunStore runs, Outputs outputs, RunDispatcher dispatcher, KeyValueStore<String, String> held, FlowControl flow) {
    this.runs = runs;
    this.outputs = outputs;
    this.dispatcher = dispatcher;
    this.held = held;
    this.flow = flow;
  }

  /** A {@code PERMIT_REQUEST} entry was journaled: ask its first resource. */
  void onRequest(RunState state, JournalEntry entry) {
    PermitRequest request = PayloadCodec.decode(entry.getValue(), PermitRequest.class);
    String permitName = entry.getName().substring(io.stepstream.internal.limits.PermitNames.REQUEST.length());
    if (request.resources().isEmpty()) {
      return;
    }
    LimitMessage acquire = LimitMessage.acquire(state.getRunId(), permitName, request.step(), request.resources(), request.priority(),
        request.estimatedTokens());
    outputs.toRun(OrchestratorTopology.LIMITS_SINK, acquire.resource(), LimitsJson.bytes(acquire), state.getRunId());
  }

  /** A {@code PERMIT_RELEASE} entry was journaled: the try ended. */
  void onRelease(RunState state, JournalEntry entry) {
    PermitRelease release = PayloadCodec.decode(entry.getValue(), PermitRelease.class);
    String permitName = entry.getName().substring(io.stepstream.internal.limits.PermitNames.RELEASE.length());
    Long actual = entry.getUsage() == null ? null : entry.getUsage().getInputTokens() + entry.getUsage().getOutputTokens();
    long pauseUntil = entry.getError() != null && entry.getDueAt() != null ? entry.getDueAt() : 0;
    for (String limiter : release.limiters()) {
      send(state.getRunId(), limiter, LimitMessage.release(state.getRunId(), permitName, actual, pauseUntil));
    }
    if (release.budgetKey() != null && entry.getUsage() != null) {
      send(state.getRunId(), FlowControl.BUDGET_PREFIX + release.budgetKey(),
          LimitMessage.debit(state.getRunId(), permitName, actual, entry.getUsage().getCost()));
    }
    held.delete(heldKey(state.getRunId(), permitName));
  }

  /** The coordinator answered (grants topic, on the run's home partition). */
  void onAnswer(Record<String, byte[]> record) {
    PermitAnswer answer;
    try {
      answer = LimitsJson.read(record.value(), PermitAnswer.class);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("UNDECODABLE_PERMIT", "not a permit answer: " + e.getMessage());
    }
    RunState state = runs.run(answer.runId());
    if (state == null || RequestHandler.isFinished(state)) {
      releaseAll(answer.runId(), answer.permitName(), answer.held()); // nobody will use it
      return;
    }
    JournalEntry.Builder entry = JournalEntry.newBuilder()
        .setRunId(answer.runId())
        .setName(GRANT_PREFIX + answer.permitName())
        .setKind(EntryKind.PERMIT)
        .setSucceeded(answer.granted())
        .setGeneration(state.getGeneration())
        .setRecordedAt(outputs.now())
        .setValue(PayloadCodec.encode(answer));
    if (!answer.granted()) {
      entry.setError(ErrorInfo.newBuilder().setType(answer.refusal()).setMessage(answer.message()).setStep(stepOf(answer.permitName()))
          .setAttempt(0).build());
    }
    if (!runs.recordInOrder(state, entry.build())) {
      return; // answered already
    }
    if (answer.granted()) {
      boolean wakesNow = state.getStatus() == RunStatus.WAITING && WAKE_ON_GRANT.contains(state.getWaitKind());
      held.put(heldKey(answer.runId(), answer.permitName()), (wakesNow ? SEEN : UNSEEN) + LimitsJson.text(answer));
    } else if (!answer.held().isEmpty()) {
      releaseAll(answer.runId(), answer.permitName(), answer.held());
    }
    String step = stepOf(answer.permitName());
    if (state.getStatus() == RunStatus.WAITING && WAKE_ON_GRANT.contains(state.getWaitKind())) {
      outputs.audit(state, AuditEventType.RUN_RESUMED, step, 0, state.getGeneration() + 1, answer.granted()
          ? "permit " + answer.permitName() + " granted by " + answer.held()
          : "permit " + answer.permitName() + " refused: " + answer.refusal() + ": " + answer.message());
      dispatcher.dispatch(state);
    } else {
      state.setUpdatedAt(outputs.now());
      runs.save(state); // its journal sequence moved on; it sees the permit at its next dispatch
    }
  }

  /**
   * The run's execution ended waiting: if a permit was granted while it ran (a parallel branch's,
   * say), it is dispatched again at once instead of holding the permit unused.
   */
  void onWaiting(RunState state) {
    if (flow.isEmpty() || !WAKE_ON_GRANT.contains(state.getWaitKind())) {
      return;
    }
    boolean answered = "PERMIT".equals(state.getWaitKind()) && state.getWaitName() != null
        && runs.entry(state.getRunId(), GRANT_PREFIX + state.getWaitName()) != null;
    if (!answered && !wakeForUnseenGrant(state.getRunId())) {
      return;
    }
    outputs.audit(state, AuditEventType.RUN_RESUMED, null, 0, state.getGeneration() + 1, "a permit was answered while it ran");
    dispatcher.dispatch(state);
  }

  /**
   * True if the run holds a permit no execution has been dispatched with yet (it was granted while
   * one ran); each such permit wakes the run once, so a permit the code no longer reaches cannot
   * dispatch the run in a loop (its lease or the run's end gives it back).
   */
  private boolean wakeForUnseenGrant(String runId) {
    List<org.apache.kafka.streams.KeyValue<String, String>> unseen = new ArrayList<>();
    try (KeyValueIterator<String, String> it = held.prefixScan(runId + '\u0000', KEYS)) {
      it.forEachRemaining(kv -> {
        if (kv.value.startsWith(UNSEEN)) {
          unseen.add(kv);
        }
      });
    }
    unseen.forEach(kv -> held.put(kv.key, SEEN + kv.value.substring(1)));
    return !unseen.isEmpty();
  }

  /** Every result passes here: permits the run still holds go back now, not when their lease runs out. */
  void onRunFinished(WorkflowResult result) {
    if (flow.isEmpty()) {
      return;
    }
    List<String> keys = new ArrayList<>();
    List<PermitAnswer> answers = new ArrayList<>();
    try (KeyValueIterator<String, String> it = held.prefixScan(result.getRunId() + '\u0000', KEYS)) {
      it.forEachRemaining(kv -> {
        keys.add(kv.key);
        answers.add(LimitsJson.read(kv.value.substring(1), PermitAnswer.class));
      });
    }
    keys.forEach(held::delete);
    answers.forEach(a -> releaseAll(a.runId(), a.permitName(), a.held()));
  }

  private void releaseAll(String runId, String permitName, List<String> limiters) {
    for (String limiter : limiters) {
      send(runId, limiter, LimitMessage.release(runId, permitName, null, 0));
    }
  }

  private void send(String runId, String resource, LimitMessage message) {
    outputs.toRun(OrchestratorTopology.LIMITS_SINK, resource, LimitsJson.bytes(message), runId);
  }

  static String heldKey(String runId, String permitName) {
    return runId + '\u0000' + permitName;
  }

  private static String stepOf(String permitName) {
    int at = permitName.lastIndexOf('@');
    return at < 0 ? permitName : permitName.substring(0, at);
  }
}
