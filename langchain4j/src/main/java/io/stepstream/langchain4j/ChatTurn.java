package io.stepstream.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.stepstream.Usage;
import java.util.List;

/**
 * What the journal keeps of one chat call: the answer's text, the tool calls it asked for, the
 * token counts and a few labels. LangChain4j's {@link ChatResponse} itself is not journaled (it is
 * not a value that round-trips through JSON: metadata, provider-specific subclasses); a replay
 * rebuilds an equivalent one from this record with {@link #toChatResponse()}.
 *
 * <p>Not kept: provider metadata beyond the id and model name, "thinking" text, images, and
 * attributes of the {@link AiMessage}. Code that needs one of them should call the model in a step
 * of its own and journal what it needs.
 *
 * <pre>{@code
 * ChatTurn turn = llm.chat(ctx, "answer", ChatRequest.builder().messages(messages).build());
 * messages.add(turn.aiMessage());          // the same AiMessage on every replay
 * if (!turn.hasToolCalls()) return turn.text();
 * }</pre>
 *
 * @param text the answer's text, or null (an answer with only tool calls)
 * @param toolCalls the tool calls the model asked for, in its order (never null)
 * @param inputTokens prompt tokens as the provider counted them, or null if it did not say
 * @param outputTokens generated tokens as the provider counted them, or null if it did not say
 * @param finishReason {@link FinishReason#name()}, or null
 * @param modelName the model that answered, or null
 * @param id the provider's response id, or null
 */
public record ChatTurn(
    String text,
    List<ToolCall> toolCalls,
    Integer inputTokens,
    Integer outputTokens,
    String finishReason,
    String modelName,
    String id) {

  public ChatTurn {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  /** The journaled form of a response. */
  public static ChatTurn of(ChatResponse response) {
    AiMessage ai = response.aiMessage();
    TokenUsage t = response.tokenUsage();
    return new ChatTurn(
        ai == null ? null : ai.text(),
        ai == null || !ai.hasToolExecutionRequests() ? List.of() : ai.toolExecutionRequests().stream().map(ToolCall::of).toList(),
        t == null ? null : t.inputTokenCount(),
        t == null ? null : t.outputTokenCount(),
        response.finishReason() == null ? null : response.finishReason().name(),
        response.modelName(),
        response.id());
  }

  /** True if the model asked for at least one tool call. */
  public boolean hasToolCalls() {
    return !toolCalls.isEmpty();
  }

  /** The answer as the message to append to the conversation. */
  public AiMessage aiMessage() {
    List<dev.langchain4j.agent.tool.ToolExecutionRequest> requests = toolCalls.stream().map(ToolCall::toRequest).toList();
    if (requests.isEmpty()) {
      return AiMessage.from(text == null ? "" : text);
    }
    return text == null ? AiMessage.from(requests) : AiMessage.from(text, requests);
  }

  /** The token counts as Stepstream {@link Usage} (0 where the provider did not say; no cost). */
  public Usage usage() {
    return Usage.tokens(inputTokens == null ? 0 : inputTokens, outputTokens == null ? 0 : outputTokens);
  }

  /** A LangChain4j response equivalent to the one journaled (see the class comment for what is not kept). */
  public ChatResponse toChatResponse() {
    ChatResponse.Builder b = ChatResponse.builder().aiMessage(aiMessage()).id(id).modelName(modelName);
    if (inputTokens != null || outputTokens != null) {
      b.tokenUsage(new TokenUsage(inputTokens, outputTokens));
    }
    if (finishReason != null) {
      b.finishReason(FinishReason.valueOf(finishReason));
    }
    return b.build();
  }
}
