package io.stepstream.client;

import io.stepstream.MessagePolicy;
import java.util.Objects;
import java.util.UUID;

/**
 * A message for a session handler ({@link WorkflowClient#sendToSession(SessionMessage, Class)}):
 * which session (type and key), which handler, the payload, the message id (dedupe: a message id is
 * handled once per session, however often it is sent) and what to do if a turn is running.
 *
 * <pre>{@code
 * SessionMessage m = SessionMessage.to("agent-session", "conv-42", "add-message").payload("hello")
 *     .messageId("conv-42-msg-7")          // stable: a retry after a crash of the sender is not a second message
 *     .policy(MessagePolicy.INTERRUPT);
 * Integer size = client.sendToSession(m, Integer.class).await(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>BAD: a new random message id on every retry of the same user action (each is a new turn).
 * GOOD: derive it from the action (the chat message's id), so a retry is recognised as a duplicate.
 *
 * @param messageId 1 to 128 characters without '#', '/' or NUL; {@link #to} picks a random UUID
 * @param payload the handler's message (a record/POJO/string, written as JSON); null for none
 */
public record SessionMessage(String sessionType, String sessionKey, String handler, Object payload, String messageId, MessagePolicy policy) {
  public SessionMessage {
    Objects.requireNonNull(sessionType, "sessionType");
    Objects.requireNonNull(sessionKey, "sessionKey");
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(policy, "policy");
    if (messageId.isEmpty() || messageId.length() > 128 || messageId.indexOf('#') >= 0 || messageId.indexOf('/') >= 0
        || messageId.indexOf('\u0000') >= 0) {
      throw new IllegalArgumentException("message id '" + messageId + "' must be 1 to 128 characters without '#', '/' or NUL");
    }
    if (sessionKey.isEmpty()) {
      throw new IllegalArgumentException("a session key must not be empty");
    }
  }

  /** A message without payload, a random message id and {@link MessagePolicy#ENQUEUE}. */
  public static SessionMessage to(String sessionType, String sessionKey, String handler) {
    return new SessionMessage(sessionType, sessionKey, handler, null, UUID.randomUUID().toString(), MessagePolicy.ENQUEUE);
  }

  public SessionMessage payload(Object value) {
    return new SessionMessage(sessionType, sessionKey, handler, value, messageId, policy);
  }

  public SessionMessage messageId(String id) {
    return new SessionMessage(sessionType, sessionKey, handler, payload, id, policy);
  }

  public SessionMessage policy(MessagePolicy p) {
    return new SessionMessage(sessionType, sessionKey, handler, payload, messageId, p);
  }

  /** The id of the turn's run, whose result is the reply: {@code <type>/<key>#<messageId>}. */
  public String runId() {
    return sessionType + "/" + sessionKey + "#" + messageId;
  }
}
