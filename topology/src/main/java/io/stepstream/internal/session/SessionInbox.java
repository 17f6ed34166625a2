package io.stepstream.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.MessagePolicy;
import io.stepstream.SessionType;
import io.stepstream.avro.ErrorInfo;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.PayloadCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session side, on the session key's home partition: one record per session (snapshot, turn
 * counters, running turn, queue) and one entry per message id seen (dedupe). A message for an
 * exclusive handler starts a turn run when the session is idle, else it is queued, rejected or
 * interrupts the running turn (its {@link MessagePolicy}). When a turn run ends, its state is
 * committed if it COMPLETED, and the next queued message starts: both in the transaction that reads
 * the turn's end, so each turn's state is committed exactly once.
 */
public final class SessionInbox {
  private static final Logger LOG = LoggerFactory.getLogger(SessionInbox.class);
  /** Error type of a message answered without running (REJECT while busy, or a full queue). */
  public static final String BUSY = "SESSION_BUSY";
  public static final String QUEUE_FULL = "SESSION_QUEUE_FULL";
  static final int MAX_QUEUE = 1_000;

  private final Function<String, SessionType<?>> types;
  private final KeyValueStore<String, byte[]> sessions;
  private final KeyValueStore<String, String> seen;
  private final SessionOutputs out;

  public SessionInbox(Function<String, SessionType<?>> types, KeyValueStore<String, byte[]> sessions, KeyValueStore<String, String> seen,
      SessionOutputs out) {
    this.types = types;
    this.sessions = sessions;
    this.seen = seen;
    this.out = out;
  }

  /** A record of the sessions topic on its home partition; invalid ones throw {@link InvalidInputException} (to the DLQ). */
  public void handle(String key, byte[] value) {
    SessionMessage message = SessionMessage.decode(value);
    SessionIds.checkKey(key);
    if (message instanceof SessionMessage.TurnEnded ended) {
      turnEnded(key, ended);
    } else {
      inbound(key, (SessionMessage.Inbound) message);
    }
  }

  private void inbound(String key, SessionMessage.Inbound m) {
    SessionType<?> type = types.apply(m.sessionType());
    String sessionId = SessionIds.sessionId(m.sessionType(), key);
    if (type == null) {
      throw new InvalidInputException("UNKNOWN_SESSION_TYPE", "no session type '" + m.sessionType() + "' is registered (message "
          + m.messageId() + " for session " + sessionId + ")");
    }
    boolean exclusive = type.exclusiveHandlers().containsKey(m.handler());
    if (!exclusive && !type.sharedHandlers().containsKey(m.handler())) {
      throw new InvalidInputException("UNKNOWN_SESSION_HANDLER", "session type '" + m.sessionType() + "' has no handler '" + m.handler()
          + "' (exclusive: " + type.exclusiveHandlers().keySet() + ", shared: " + type.sharedHandlers().keySet() + "); message "
          + m.messageId() + " for session " + sessionId);
    }
    SessionIds.checkMessageId(m.messageId(), sessionId);
    if (exclusive) {
      checkPayload(type.exclusiveHandlers().get(m.handler()), m, sessionId);
    }
    String runId = SessionIds.turnRunId(m.sessionType(), key, m.messageId());
    String workflowType = SessionIds.turnWorkflowType(m.sessionType());
    String earlier = seen.get(runId);
    if (earlier != null) {
      out.audit(runId, workflowType, "message " + m.messageId() + " for session " + sessionId + " was seen before (" + earlier
          + "); this copy was ignored", true);
      return;
    }
    SessionRecord session = load(m.sessionType(), key);
    if (!exclusive) {
      seen.put(runId, "shared");
      start(runId, workflowType, new TurnInput(m.sessionType(), key, m.handler(), session.turns(), session.state(), m.payload(), true));
      return;
    }
    SessionRecord.Queued queued = new SessionRecord.Queued(m.messageId(), m.handler(), m.payload(), m.policy().name(), out.now());
    if (session.current() == null) {
      seen.put(runId, "started");
      save(startTurn(session, queued));
      return;
    }
    SessionRecord.Running running = session.current();
    if (m.policy() == MessagePolicy.REJECT || session.queue().size() >= MAX_QUEUE) {
      seen.put(runId, "rejected");
      boolean full = m.policy() != MessagePolicy.REJECT;
      reject(runId, workflowType, full ? QUEUE_FULL : BUSY, full
          ? "session " + sessionId + " has " + session.queue().size() + " messages queued (the most it holds); message " + m.messageId()
              + " was rejected: send it again later"
          : "session " + sessionId + " is running turn " + running.turn() + " (run " + running.runId() + ", message "
              + running.messageId() + "); message " + m.messageId() + " was rejected (policy REJECT)");
      return;
    }
    seen.put(runId, "queued");
    if (m.policy() == MessagePolicy.INTERRUPT) {
      int at = 0;
      while (at < session.queue().size() && MessagePolicy.INTERRUPT.name().equals(session.queue().get(at).policy())) {
        at++; // interrupting messages run in arrival order, before the enqueued ones
      }
      session.queue().add(at, queued);
      if (!running.interrupted()) {
        out.command(RunCommand.newBuilder()
            .setRunId(running.runId())
            .setCommandId("$session-interrupt:" + m.messageId())
            .setType(RunCommandType.CANCEL)
            .setReason("interrupted by message " + m.messageId() + " of session " + sessionId)
            .setRequestedBy("session " + sessionId)
            .setRequestedAt(out.now())
            .build());
        session = session.replaced(running.interrupt(), out.now());
      }
    } else {
      session.queue().add(queued);
    }
    save(session.touched(out.now()));
  }

  /** A payload that does not bind to the handler's message type is refused now (DLQ), not as a failed turn later. */
  private static void checkPayload(SessionType.Exclusive<?, ?, ?> handler, SessionMessage.Inbound m, String sessionId) {
    boolean none = m.payload() == null || m.payload().isNull();
    if (handler.messageType() == Void.class) {
      if (!none) {
        throw new InvalidInputException("INVALID_SESSION_PAYLOAD", "handler '" + m.handler() + "' of session " + sessionId
            + " takes no payload; message " + m.messageId() + " has one");
      }
      return;
    }
    if (none) {
      return; // the handler gets null
    }
    try {
      PayloadCodec.json().treeToValue(m.payload(), handler.messageType());
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidInputException("INVALID_SESSION_PAYLOAD", "the payload of message " + m.messageId() + " for handler '" + m.handler()
          + "' of session " + sessionId + " is not a " + handler.messageType().getName() + ": " + e.getMessage());
    }
  }

  private void turnEnded(String key, SessionMessage.TurnEnded ended) {
    SessionIds.Turn turn = SessionIds.parse(ended.runId());
    if (!turn.sessionKey().equals(key)) {
      throw new InvalidInputException("KEY_MISMATCH", "the end of turn " + ended.runId() + " arrived keyed '" + key + "'");
    }
    SessionRecord session = load(turn.sessionType(), key);
    SessionRecord.Running running = session.current();
    if (running == null || !running.runId().equals(ended.runId())) {
      LOG.debug("session {}: end of run {} ({}) is not its running turn; ignored", session.sessionType() + "/" + key, ended.runId(),
          ended.status());
      return; // a shared handler's run, or a stale copy
    }
    if (RunStatus.COMPLETED.name().equals(ended.status()) && ended.state() != null) {
      session = session.committed(ended.state(), out.now());
    }
    session = session.idle(out.now());
    if (!session.queue().isEmpty()) {
      SessionRecord.Queued next = session.queue().remove(0);
      session = startTurn(session, next);
    }
    save(session);
  }

  private SessionRecord startTurn(SessionRecord session, SessionRecord.Queued message) {
    String runId = SessionIds.turnRunId(session.sessionType(), session.sessionKey(), message.messageId());
    long turn = session.started() + 1;
    start(runId, SessionIds.turnWorkflowType(session.sessionType()),
        new TurnInput(session.sessionType(), session.sessionKey(), message.handler(), turn, session.state(), message.payload(), false));
    return session.running(new SessionRecord.Running(runId, message.messageId(), message.handler(), turn, false, out.now()), out.now());
  }

  private void start(String runId, String workflowType, TurnInput input) {
    out.startRun(new WorkflowRequest(runId, workflowType, PayloadCodec.encode(input), out.now()));
  }

  private void reject(String runId, String workflowType, String errorType, String message) {
    long now = out.now();
    out.answer(WorkflowResult.newBuilder()
        .setRunId(runId)
        .setWorkflowType(workflowType)
        .setStatus(RunStatus.FAILED)
        .setError(ErrorInfo.newBuilder().setType(errorType).setMessage(message).build())
        .setStartedAt(now)
        .setFinishedAt(now)
        .build());
  }

  private SessionRecord load(String type, String key) {
    byte[] stored = sessions.get(SessionIds.sessionId(type, key));
    if (stored == null) {
      return SessionRecord.empty(type, key);
    }
    try {
      return PayloadCodec.json().readValue(stored, SessionRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException("the stored record of session " + type + "/" + key + " cannot be read", e);
    }
  }

  private void save(SessionRecord session) {
    try {
      sessions.put(SessionIds.sessionId(session.sessionType(), session.sessionKey()), PayloadCodec.json().writeValueAsBytes(session));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The committed record of a session, for queries (null: no message yet). */
  public static SessionRecord read(byte[] stored) {
    if (stored == null) {
      return null;
    }
    try {
      return PayloadCodec.json().readValue(stored, SessionRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a turn's end record says, for the run's side to write. */
  public static byte[] turnEnded(String runId, String status, JsonNode state) {
    var root = PayloadCodec.json().createObjectNode();
    var ended = root.putObject("turnEnded");
    ended.put("runId", runId);
    ended.put("status", status);
    if (state != null) {
      ended.set("state", state);
    }
    try {
      return PayloadCodec.json().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
