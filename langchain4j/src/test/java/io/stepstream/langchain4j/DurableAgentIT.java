package io.stepstream.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import io.stepstream.ApprovalRequest;
import io.stepstream.RunResult;
import io.stepstream.Workflow;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LangChain4j agent on a real broker: model call, tool call, an approval; the engine that ran the
 * first half is closed while the run waits, and a new engine (fresh state directory: everything comes
 * back from Kafka) finishes it. The model and the tool are not called again for what the journal holds.
 */
@Timeout(180)
class DurableAgentIT {
  @TempDir static Path dir;
  static EmbeddedKafka kafka;

  static final ToolSpecification LOOKUP_ORDER = ToolSpecification.builder().name("lookup_order").description("Looks up an order")
      .parameters(JsonObjectSchema.builder().addStringProperty("orderId").required("orderId").build()).build();

  final List<String> toolKeys = new CopyOnWriteArrayList<>();
  final ScriptedChatModel model = new ScriptedChatModel(
      ScriptedChatModel.toolCall("call-1", "lookup_order", "{\"orderId\":\"A-7\"}", 40, 9),
      ScriptedChatModel.text("Order A-7 is on its way.", 80, 12));

  final Workflow<String, String> agent = (ctx, question) -> {
    DurableChatModel llm = DurableChatModel.of(model);
    DurableTools tools = DurableTools.builder().tool(LOOKUP_ORDER, (call, s) -> {
      toolKeys.add(s.idempotencyKey());
      return "{\"orderId\":\"A-7\",\"status\":\"in transit\"}";
    }).build();
    List<ChatMessage> messages = new ArrayList<>(List.of(UserMessage.from(question)));
    ChatTurn first = llm.chat(ctx, "think-1", ChatRequest.builder().messages(messages).toolSpecifications(tools.specifications()).build());
    messages.add(first.aiMessage());
    messages.addAll(tools.executeAll(ctx, "think-1", first));
    ctx.awaitApproval("send", ApprovalRequest.of("Send the answer?"), Duration.ofMinutes(10));
    return llm.chat(ctx, "think-2", ChatRequest.builder().messages(messages).build()).text();
  };

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  Stepstream engine(String stateDir) {
    return Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix("lc4j-it")
        .stateDir(dir.resolve(stateDir))
        .partitions(2)
        .approvalSecret("integration-test-secret")
        .register("agent", String.class, agent)
        .build()
        .start();
  }

  @Test
  void anAgentRunResumedByAnotherEngineCallsTheModelOncePerStepAndTheToolOnce() throws Exception {
    String runId = "agent-1";
    try (Stepstream first = engine("state-1")) {
      first.client().start("agent", runId, "Where is order A-7?");
      await().atMost(Duration.ofSeconds(60))
          .until(() -> first.client().pendingApprovals(Duration.ofSeconds(5)).stream().anyMatch(p -> p.runId().equals(runId)));
      assertThat(model.calls).hasValue(1);
      assertThat(toolKeys).containsExactly(runId + "/think-1:lookup_order-1");
    }

    try (Stepstream second = engine("state-2")) {
      second.client().approve(runId, "send", "carol", "ok");
      RunResult result = second.client().awaitResult(runId, Duration.ofSeconds(90));

      assertThat(result.output(String.class)).isEqualTo("Order A-7 is on its way.");
      assertThat(model.calls).as("think-1 came from the journal on the second engine").hasValue(2);
      assertThat(result.usage()).as("the usage both engines reported, once per step").isEqualTo(io.stepstream.Usage.tokens(120, 21));
      assertThat(toolKeys).as("the tool ran once").hasSize(1);
      assertThat(model.requests.get(1).messages()).hasSize(3);
    }
  }
}
