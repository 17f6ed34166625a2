package io.stepstream.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic ChatModel for tests: answers with its script, in order, and counts calls. Each
 * answer carries token usage, like a provider's.
 */
final class ScriptedChatModel implements ChatModel {
  private final List<ChatResponse> script;
  final AtomicInteger calls = new AtomicInteger();
  final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

  ScriptedChatModel(ChatResponse... script) {
    this.script = List.of(script);
  }

  static ChatResponse text(String text, int in, int out) {
    return ChatResponse.builder().aiMessage(AiMessage.from(text)).tokenUsage(new TokenUsage(in, out))
        .finishReason(FinishReason.STOP).modelName("scripted").id("resp-" + text.hashCode()).build();
  }

  static ChatResponse toolCall(String id, String tool, String arguments, int in, int out) {
    return ChatResponse.builder()
        .aiMessage(AiMessage.from(ToolExecutionRequest.builder().id(id).name(tool).arguments(arguments).build()))
        .tokenUsage(new TokenUsage(in, out)).finishReason(FinishReason.TOOL_EXECUTION).modelName("scripted").build();
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    requests.add(request);
    int n = calls.getAndIncrement();
    if (n >= script.size()) {
      throw new IllegalStateException("the script has " + script.size() + " answers; call " + (n + 1) + " has none");
    }
    return script.get(n);
  }
}
