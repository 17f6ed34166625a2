package io.stepstream.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;

/**
 * A tool call the model asked for, as journaled in a {@link ChatTurn}: plain strings, so it decodes
 * on every replay and in any client that reads the journal.
 *
 * @param id the provider's id of the call (may be null: some providers give none)
 * @param name the tool's name
 * @param arguments the arguments as the model wrote them (usually a JSON object)
 */
public record ToolCall(String id, String name, String arguments) {

  /** The journaled form of a LangChain4j request. */
  public static ToolCall of(ToolExecutionRequest request) {
    return new ToolCall(request.id(), request.name(), request.arguments());
  }

  /** Back to LangChain4j's type (to execute it, or to put it in the next request's messages). */
  public ToolExecutionRequest toRequest() {
    return ToolExecutionRequest.builder().id(id).name(name).arguments(arguments).build();
  }
}
