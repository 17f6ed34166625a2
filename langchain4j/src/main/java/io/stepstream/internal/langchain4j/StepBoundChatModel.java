package io.stepstream.internal.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.stepstream.WorkflowContext;
import io.stepstream.langchain4j.DurableChatModel;

/**
 * {@link DurableChatModel#bind}: a ChatModel whose n-th call is the step {@code <prefix>-<n>}. The
 * counter lives as long as one pass of the workflow code, which is what makes it deterministic.
 */
public final class StepBoundChatModel implements ChatModel {
  private final DurableChatModel durable;
  private final WorkflowContext ctx;
  private final String prefix;
  private int calls;

  public StepBoundChatModel(DurableChatModel durable, WorkflowContext ctx, String prefix) {
    this.durable = durable;
    this.ctx = ctx;
    this.prefix = prefix;
  }

  @Override
  public ChatResponse chat(ChatRequest request) {
    return durable.chat(ctx, prefix + "-" + (++calls), request).toChatResponse();
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    return chat(request);
  }

  @Override
  public ChatRequestParameters defaultRequestParameters() {
    return durable.model().defaultRequestParameters();
  }

  @Override
  public java.util.Set<dev.langchain4j.model.chat.Capability> supportedCapabilities() {
    return durable.model().supportedCapabilities();
  }
}
