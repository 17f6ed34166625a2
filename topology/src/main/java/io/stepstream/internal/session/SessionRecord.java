package io.stepstream.internal.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's record in its home partition's store ({@code stepstream-sessions}, JSON): the last
 * committed state (a snapshot), how many turns committed, the running turn and the queue.
 *
 * @param state the state after the last committed turn; null before the first (the initial state)
 * @param turns committed turns
 * @param started turns started (committed, failed, interrupted or running)
 * @param current the running turn, null when idle
 * @param queue messages waiting for their turn, in the order they run
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SessionRecord(String sessionType, String sessionKey, JsonNode state, long turns, long started, Running current,
    List<Queued> queue, long updatedAt) {

  public SessionRecord {
    queue = queue == null ? new ArrayList<>() : new ArrayList<>(queue);
  }

  static SessionRecord empty(String type, String key) {
    return new SessionRecord(type, key, null, 0, 0, null, new ArrayList<>(), 0);
  }

  /** A turn started: it is the running one. */
  SessionRecord running(Running running, long now) {
    return new SessionRecord(sessionType, sessionKey, state, turns, started + 1, running, queue, now);
  }

  /** The running turn, changed (interrupted). */
  SessionRecord replaced(Running running, long now) {
    return new SessionRecord(sessionType, sessionKey, state, turns, started, running, queue, now);
  }

  /** No turn runs. */
  SessionRecord idle(long now) {
    return new SessionRecord(sessionType, sessionKey, state, turns, started, null, queue, now);
  }

  SessionRecord committed(JsonNode newState, long now) {
    return new SessionRecord(sessionType, sessionKey, newState, turns + 1, started, current, queue, now);
  }

  SessionRecord touched(long now) {
    return new SessionRecord(sessionType, sessionKey, state, turns, started, current, queue, now);
  }

  /** The running turn: its run, the message it runs, and whether an INTERRUPT cancelled it. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Running(String runId, String messageId, String handler, long turn, boolean interrupted, long startedAt) {
    Running interrupt() {
      return new Running(runId, messageId, handler, turn, true, startedAt);
    }
  }

  /** A message waiting for its turn. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Queued(String messageId, String handler, JsonNode payload, String policy, long receivedAt) {}
}
