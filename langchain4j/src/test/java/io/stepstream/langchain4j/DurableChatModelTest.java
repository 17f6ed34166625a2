package io.stepstream.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import io.stepstream.ApprovalRequest;
import io.stepstream.RunStatus;
import io.stepstream.testkit.JournalRecord;
import io.stepstream.testkit.WorkflowTestEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chat calls and tool calls as durable steps, in the test kit's engine (TopologyTestDriver, virtual
 * time): a run that waits for an approval between two model calls is replayed from its journal when
 * it resumes, and neither the model nor the tool runs again.
 */
@Timeout(60)
class DurableChatModelTest {
  static final ToolSpecification LOOKUP_ORDER = ToolSpecification.builder().name("lookup_order").description("Looks up an order")
      .parameters(JsonObjectSchema.builder().addStringProperty("orderId").required("orderId").build()).build();

  final List<String> toolKeys = new CopyOnWriteArrayList<>();
  final DurableTools tools = DurableTools.builder()
      .tool(LOOKUP_ORDER, (call, s) -> {
        toolKeys.add(s.idempotencyKey());
        return "{\"orderId\":\"A-1\",\"status\":\"shipped\"}";
      })
      .build();

  @Test
  void aRunThatWaitsBetweenModelCallsCallsTheModelOncePerStepAndTheToolOnce() {
    ScriptedChatModel model = new ScriptedChatModel(
        ScriptedChatModel.toolCall("call-1", "lookup_order", "{\"orderId\":\"A-1\"}", 12, 3),
        ScriptedChatModel.text("Your order A-1 has shipped.", 30, 7));
    DurableChatModel llm = DurableChatModel.of(model);
    try (var env = WorkflowTestEnvironment.builder().register("agent", String.class, (ctx, question) -> {
      List<ChatMessage> messages = new ArrayList<>(List.of(UserMessage.from(question)));
      ChatTurn first = llm.chat(ctx, "think-1", ChatRequest.builder().messages(messages).toolSpecifications(tools.specifications()).build());
      messages.add(first.aiMessage());
      messages.addAll(tools.executeAll(ctx, "think-1", first));
      ctx.awaitApproval("answer", ApprovalRequest.of("Send the answer?"), Duration.ofHours(1));
      return llm.chat(ctx, "think-2", ChatRequest.builder().messages(messages).build()).text();
    }).build()) {
      String runId = env.start("agent", "Where is my order A-1?");
      assertThat(env.status(runId)).isEqualTo(RunStatus.WAITING);
      assertThat(model.calls).hasValue(1);

      env.approve(runId, "answer", "carol");

      assertThat(env.result(runId).output(String.class)).isEqualTo("Your order A-1 has shipped.");
      assertThat(model.calls).as("one call per step, none on replay").hasValue(2);
      assertThat(env.result(runId).usage()).as("both responses' token usage, reported once each").isEqualTo(io.stepstream.Usage.tokens(42, 10));
      assertThat(toolKeys).as("the tool ran once, with its step's idempotency key").containsExactly(runId + "/think-1:lookup_order-1");
      ChatRequest second = model.requests.get(1);
      assertThat(second.messages()).hasSize(3);
      assertThat(((ToolExecutionResultMessage) second.messages().get(2)).text()).contains("shipped");

      JournalRecord think1 = env.journal(runId).stream().filter(e -> e.name().equals("think-1")).findFirst().orElseThrow();
      ChatTurn journaled = think1.value(ChatTurn.class);
      assertThat(journaled.toolCalls()).containsExactly(new ToolCall("call-1", "lookup_order", "{\"orderId\":\"A-1\"}"));
      assertThat(journaled.usage()).isEqualTo(io.stepstream.Usage.tokens(12, 3));
      assertThat(journaled.finishReason()).isEqualTo("TOOL_EXECUTION");
      assertThat(env.journal(runId)).extracting(JournalRecord::name)
          .contains("think-1", "think-1:lookup_order-1", "think-2");
    }
  }

  @Test
  void aBoundChatModelNumbersItsCallsAsStepsAndAnswersReplaysFromTheJournal() {
    ScriptedChatModel model = new ScriptedChatModel(ScriptedChatModel.text("hello", 2, 1), ScriptedChatModel.text("bye", 4, 1));
    DurableChatModel llm = DurableChatModel.of(model);
    try (var env = WorkflowTestEnvironment.builder().register("chatty", String.class, (ctx, in) -> {
      ChatModel durable = llm.bind(ctx, "assistant");
      String a = durable.chat(in);
      ctx.sleep("pause", Duration.ofMinutes(5)); // the run is parked; it resumes by replaying
      String b = durable.chat(in + " again");
      return a + " " + b;
    }).build()) {
      String runId = env.start("chatty", "hi");
      env.advanceTime(Duration.ofMinutes(5));

      assertThat(env.result(runId).output(String.class)).isEqualTo("hello bye");
      assertThat(model.calls).hasValue(2);
      assertThat(env.journal(runId)).extracting(JournalRecord::name).contains("assistant-1", "assistant-2");
    }
  }

  @Test
  void aCallOfAToolNobodyRegisteredIsAnsweredWithAnErrorForTheModelWithoutAStep() {
    ScriptedChatModel model = new ScriptedChatModel(ScriptedChatModel.toolCall("c", "delete_everything", "{}", 1, 1));
    DurableChatModel llm = DurableChatModel.of(model);
    try (var env = WorkflowTestEnvironment.builder().register("agent", String.class, (ctx, q) -> {
      ChatTurn turn = llm.chat(ctx, "think-1", List.of(UserMessage.from(q)));
      return tools.executeAll(ctx, "think-1", turn).get(0).text();
    }).build()) {
      String runId = env.start("agent", "go");

      assertThat(env.result(runId).output(String.class)).isEqualTo("Error: there is no tool named 'delete_everything'; the tools are [lookup_order]");
      assertThat(env.journal(runId)).extracting(JournalRecord::name).doesNotContain("think-1:delete_everything-1");
    }
  }

  @Test
  void aStepNamePrefixTheEngineWouldRefuseIsRefusedWithTheRule() {
    DurableChatModel llm = DurableChatModel.of(new ScriptedChatModel());
    try (var env = WorkflowTestEnvironment.builder().register("bad", String.class, (ctx, q) -> llm.bind(ctx, "a@b").chat(q)).build()) {
      String runId = env.start("bad", "x");
      assertThat(env.result(runId).errorMessage()).contains("'a@b'").contains("must not contain '@'");
    }
    assertThatThrownBy(() -> DurableTools.builder().tool(ToolSpecification.builder().name("$x").build(), (c, s) -> ""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
