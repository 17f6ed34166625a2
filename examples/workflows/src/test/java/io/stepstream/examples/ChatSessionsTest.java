package io.stepstream.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.examples.ChatSessions.Chat;
import io.stepstream.examples.ChatSessions.Message;
import io.stepstream.testkit.WorkflowTestEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example session type in the test kit: turns in order, the history as the session's state, a shared read. */
@Timeout(60)
class ChatSessionsTest {

  @Test
  void aConversationKeepsItsHistoryAcrossTurnsAndTheReplyComesFromTheModelStep() {
    try (var env = WorkflowTestEnvironment.of(new ChatSessions())) {
      String first = env.sendToSession(ChatSessions.TYPE, "conv-1", "add-message", "I was charged twice");
      String reply = env.sendToSession(ChatSessions.TYPE, "conv-1", "generate-reply", null);
      env.sendToSession(ChatSessions.TYPE, "conv-2", "add-message", "another conversation");

      assertThat(env.result(first).output(Integer.class)).isEqualTo(1);
      assertThat(env.result(reply).output(String.class)).isEqualTo("[billing] Thanks, we are looking into: I was charged twice");
      assertThat(env.sessionState(ChatSessions.TYPE, "conv-1", Chat.class).history()).extracting(Message::role, Message::text)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("user", "I was charged twice"),
              org.assertj.core.groups.Tuple.tuple("assistant", "[billing] Thanks, we are looking into: I was charged twice"));
      assertThat(env.sessionState(ChatSessions.TYPE, "conv-2", Chat.class).history()).hasSize(1);
      // the shared handler, sent as a message: it reads the committed state and changes nothing
      String history = env.sendToSession(ChatSessions.TYPE, "conv-1", "get-history", null);
      assertThat(env.result(history).output(Message[].class)).hasSize(2);
      assertThat(env.sessionState(ChatSessions.TYPE, "conv-1", Chat.class).history()).hasSize(2);
    }
  }
}
