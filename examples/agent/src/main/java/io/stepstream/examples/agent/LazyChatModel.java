package io.stepstream.examples.agent;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.function.Supplier;

/** Loads the model (here: its tokenizer) on first use. */
final class LazyChatModel implements ChatModel {
  private final Supplier<ChatModel> model;

  LazyChatModel(Supplier<ChatModel> model) {
    this.model = model;
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    return model.get().chat(request);
  }
}
