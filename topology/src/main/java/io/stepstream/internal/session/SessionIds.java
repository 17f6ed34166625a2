package io.stepstream.internal.session;

import io.stepstream.internal.codec.InvalidInputException;

/**
 * Names derived from a session message. A turn is a run whose id is {@code <type>/<key>#<messageId>}
 * and whose workflow type is {@code session:<type>}: a client that sent a message awaits the run
 * with that id like any run, and a duplicate message maps to the same run.
 */
public final class SessionIds {
  /** Workflow types of turn runs start with this. */
  public static final String TURN_WORKFLOW_PREFIX = "session:";
  /** The journal entry (a step) where a turn records the session's new state. */
  public static final String STATE_STEP = "session:state";
  static final int MAX_MESSAGE_ID_LENGTH = 128;
  static final int MAX_KEY_LENGTH = 256;

  private SessionIds() {}

  /** A turn run's id. */
  public static String turnRunId(String sessionType, String sessionKey, String messageId) {
    return sessionType + "/" + sessionKey + "#" + messageId;
  }

  /** The store key of a session's record. */
  static String sessionId(String sessionType, String sessionKey) {
    return sessionType + "/" + sessionKey;
  }

  public static String turnWorkflowType(String sessionType) {
    return TURN_WORKFLOW_PREFIX + sessionType;
  }

  public static boolean isTurnWorkflow(String workflowType) {
    return workflowType != null && workflowType.startsWith(TURN_WORKFLOW_PREFIX);
  }

  /** The session a turn run belongs to, from its run id (the type has no '/', the message id no '#'). */
  public static Turn parse(String runId) {
    int slash = runId.indexOf('/');
    int hash = runId.lastIndexOf('#');
    if (slash <= 0 || hash <= slash) {
      throw new IllegalArgumentException("'" + runId + "' is not a session turn's run id (<type>/<key>#<messageId>)");
    }
    return new Turn(runId.substring(0, slash), runId.substring(slash + 1, hash), runId.substring(hash + 1));
  }

  /** A turn's coordinates. */
  public record Turn(String sessionType, String sessionKey, String messageId) {}

  static void checkMessageId(String messageId, String sessionId) {
    if (messageId.isEmpty() || messageId.length() > MAX_MESSAGE_ID_LENGTH || messageId.indexOf('#') >= 0
        || messageId.indexOf('/') >= 0 || messageId.indexOf('\u0000') >= 0) {
      throw new InvalidInputException("INVALID_MESSAGE_ID", "message id '" + messageId + "' for session " + sessionId
          + " must be 1 to " + MAX_MESSAGE_ID_LENGTH + " characters without '#', '/' or NUL (a UUID is fine)");
    }
  }

  static void checkKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new InvalidInputException("MISSING_SESSION_KEY", "a session message needs its session key as the record key");
    }
    if (key.length() > MAX_KEY_LENGTH || key.indexOf('\u0000') >= 0) {
      throw new InvalidInputException("INVALID_SESSION_KEY", "session keys must be 1 to " + MAX_KEY_LENGTH
          + " characters without NUL; got one of " + key.length());
    }
  }
}
