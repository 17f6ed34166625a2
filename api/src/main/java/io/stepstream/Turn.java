package io.stepstream;

import java.util.Objects;

/**
 * What an exclusive session handler returns: the session's new state and the reply to the message.
 * The state is stored when the turn completes (and only then); the reply is the turn's result.
 *
 * <pre>{@code
 * return Turn.of(chat.with("user", text), chat.size() + 1);   // new state, reply
 * return Turn.of(chat, null);                                 // state unchanged, no reply
 * }</pre>
 *
 * @param state the new state, never null
 * @param reply what the sender gets back; may be null
 */
public record Turn<S, R>(S state, R reply) {
  public Turn {
    Objects.requireNonNull(state, "a turn's new state must not be null (return the old state to keep it)");
  }

  public static <S, R> Turn<S, R> of(S state, R reply) {
    return new Turn<>(state, reply);
  }
}
