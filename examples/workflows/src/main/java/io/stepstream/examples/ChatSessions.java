package io.stepstream.examples;

import io.stepstream.SessionType;
import io.stepstream.Turn;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import java.util.ArrayList;
import java.util.List;

/**
 * A session type (docs/sessions.md): a support chat per conversation id, after Restate's
 * virtual-object "agent session". Each conversation keeps its history as the session's state; a
 * message runs as one turn at a time, and a turn costs the same however long the chat is (the
 * state is a snapshot, earlier turns are not replayed).
 *
 * <pre>{@code
 * client.sendToSession("support-chat", "conv-42", "add-message", "my invoice is wrong", Integer.class).await(timeout);
 * String answer = client.sendToSession("support-chat", "conv-42", "generate-reply", null, String.class).await(timeout);
 * Message[] history = client.querySession("support-chat", "conv-42", "get-history", Message[].class);
 * }</pre>
 *
 * Or with any Kafka producer, to the topic {@code stepstream.sessions}, keyed by {@code conv-42}:
 * {@code {"sessionType":"support-chat","handler":"add-message","messageId":"m-1","payload":"my invoice is wrong"}}.
 */
public final class ChatSessions implements WorkflowRegistrar {
  public static final String TYPE = "support-chat";

  /** One line of a conversation. */
  public record Message(String role, String text) {}

  /** The session's state: the conversation so far. */
  public record Chat(List<Message> history) {
    public Chat {
      history = List.copyOf(history);
    }

    static Chat empty() {
      return new Chat(List.of());
    }

    Chat with(String role, String text) {
      List<Message> next = new ArrayList<>(history);
      next.add(new Message(role, text));
      return new Chat(next);
    }
  }

  /** For {@link java.util.ServiceLoader}. */
  public ChatSessions() {}

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows.session(TYPE, Chat.class, Chat::empty)
        // exclusive: one turn at a time per conversation; the reply is the history's new length
        .exclusive("add-message", String.class, (ctx, chat, text) -> {
          Chat next = chat.with("user", text);
          return Turn.of(next, next.history().size());
        })
        // exclusive: the model call is a step (journaled, retried, with an idempotency key)
        .exclusive("generate-reply", Void.class, (ctx, chat, none) -> {
          String reply = ctx.step("llm", String.class, s -> cannedModel(chat.history()));
          return Turn.of(chat.with("assistant", reply), reply);
        })
        // shared: reads the last committed history without waiting for a running turn
        .shared("get-history", Chat::history);
  }

  /** Stands in for an LLM: deterministic, no network. */
  static String cannedModel(List<Message> history) {
    String last = history.isEmpty() ? "" : history.get(history.size() - 1).text();
    SupportWorkflows.Triage triage;
    try {
      triage = SupportWorkflows.classify(last);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return "[" + triage.category() + "] Thanks, we are looking into: " + last;
  }
}
