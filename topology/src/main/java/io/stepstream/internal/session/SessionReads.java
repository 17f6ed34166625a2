package io.stepstream.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.SessionType;
import io.stepstream.internal.codec.PayloadCodec;

/** What queries read of a session: its stored record, and a shared handler run over its committed state. */
public final class SessionReads {
  private SessionReads() {}

  /** The stored record (null: the session has had no message). */
  public static SessionRecord record(byte[] stored) {
    return SessionInbox.read(stored);
  }

  /** Runs a shared handler over {@code state} (null: the type's initial state). */
  public static <S> Object query(SessionType<S> type, String handler, JsonNode state) throws Exception {
    S value = state == null || state.isNull() ? type.initialState() : PayloadCodec.json().treeToValue(state, type.stateType());
    return type.sharedHandlers().get(handler).query(value);
  }
}
