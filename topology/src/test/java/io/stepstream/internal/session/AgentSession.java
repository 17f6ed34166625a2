package io.stepstream.internal.session;

import io.stepstream.SessionType;
import io.stepstream.Turn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Restate's virtual-object "agent session" example as a session type: {@code add-message} appends a
 * user message, {@code generate-reply} asks a deterministic fake LLM (a local function) in a step
 * and appends its answer, {@code get-history} (shared) returns the history.
 */
public final class AgentSession {
  public static final String TYPE = "agent-session";

  public record Message(String role, String text) {}

  public record Chat(List<Message> history) {
    public Chat {
      history = List.copyOf(history);
    }

    public static Chat empty() {
      return new Chat(List.of());
    }

    Chat with(String role, String text) {
      List<Message> next = new ArrayList<>(history);
      next.add(new Message(role, text));
      return new Chat(next);
    }
  }

  /** How often the fake LLM ran (step bodies, not replays). */
  public final AtomicInteger llmCalls = new AtomicInteger();

  /** The fake LLM: a pure function of the history. */
  public static String fakeLlm(List<Message> history) {
    Message last = history.isEmpty() ? new Message("user", "") : history.get(history.size() - 1);
    return "reply " + history.size() + " to '" + last.text() + "'";
  }

  public SessionType<Chat> type() {
    return new SessionType<>(TYPE, Chat.class, Chat::empty)
        .exclusive("add-message", String.class, (ctx, chat, text) -> {
          Chat next = chat.with("user", text);
          return Turn.of(next, next.history().size());
        })
        .exclusive("generate-reply", Void.class, (ctx, chat, none) -> {
          String reply = ctx.step("llm", String.class, s -> {
            llmCalls.incrementAndGet();
            return fakeLlm(chat.history());
          });
          return Turn.of(chat.with("assistant", reply), reply);
        })
        .exclusive("wait-for-go", String.class, (ctx, chat, text) -> {
          String go = ctx.awaitEvent("go", String.class); // a turn may wait (signals, approvals): the session waits with it
          return Turn.of(chat.with("user", text + " (" + go + ")"), go);
        })
        .exclusive("fail", String.class, (ctx, chat, why) -> {
          ctx.step("half-done", String.class, s -> "done");
          throw new IllegalStateException(why);
        })
        .shared("get-history", Chat::history);
  }
}
