package io.stepstream.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import io.stepstream.StepOptions;
import io.stepstream.WorkflowContext;
import io.stepstream.internal.langchain4j.StepNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tools a model may call, each executed as a durable step: the tool runs (at least once, once
 * if it succeeds first time and nothing crashes), its text result is journaled, and replays hand
 * the journaled result back without running the tool again.
 *
 * <pre>{@code
 * DurableTools tools = DurableTools.builder()
 *     .tool(ToolSpecification.builder().name("lookup_order").description("Looks up an order by id")
 *             .parameters(JsonObjectSchema.builder().addStringProperty("orderId").required("orderId").build()).build(),
 *         (call, s) -> orders.find(orderId(call)).toJson())
 *     .build();
 *
 * List<ChatMessage> messages = new ArrayList<>(List.of(SystemMessage.from(prompt), UserMessage.from(ticket)));
 * for (int i = 1; i <= 5; i++) {
 *   ChatTurn turn = llm.chat(ctx, "think-" + i,
 *       ChatRequest.builder().messages(messages).toolSpecifications(tools.specifications()).build());
 *   messages.add(turn.aiMessage());
 *   if (!turn.hasToolCalls()) return turn.text();
 *   messages.addAll(tools.executeAll(ctx, "think-" + i, turn));   // steps think-1:lookup_order-1, ...
 * }
 * }</pre>
 *
 * <p>A call of a tool that is not registered (models do invent names) is answered with an error
 * text for the model, without a step: that answer depends only on the journaled turn, so it is the
 * same on every replay. A tool that throws fails its attempt; once the step's retry policy gives up
 * the call throws {@link io.stepstream.StepFailedException} into the workflow, which may catch it
 * and tell the model ({@link #errorResult}).
 *
 * <p>A tool whose effect needs a human's approval first: check in workflow code (where {@code
 * ctx.awaitApproval} is allowed) before calling {@link #execute}; a step body cannot wait.
 */
public final class DurableTools {
  private final Map<String, Registered> tools;
  private final List<String> order;

  private record Registered(ToolSpecification spec, StepOptions options, DurableTool tool) {}

  private DurableTools(Map<String, Registered> tools) {
    this.tools = Map.copyOf(tools);
    this.order = List.copyOf(tools.keySet());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The specifications to put in a {@code ChatRequest}, in registration order. */
  public List<ToolSpecification> specifications() {
    return order.stream().map(n -> tools.get(n).spec()).toList();
  }

  /** True if a tool named {@code name} is registered. */
  public boolean has(String name) {
    return tools.containsKey(name);
  }

  /**
   * Executes one tool call as the step {@code stepName} and returns the message to append to the
   * conversation. The tool gets the step's context (its idempotency key is {@code <runId>/<stepName>}).
   */
  public ToolExecutionResultMessage execute(WorkflowContext ctx, String stepName, ToolExecutionRequest call) {
    Objects.requireNonNull(call, "call");
    Registered r = tools.get(call.name());
    if (r == null) {
      return errorResult(call, "there is no tool named '" + call.name() + "'; the tools are " + order);
    }
    String result = ctx.step(stepName, String.class, r.options(), s -> r.tool().execute(call, s));
    return ToolExecutionResultMessage.from(call, result == null ? "" : result);
  }

  /**
   * Executes every tool call of {@code turn} in order, the i-th as the step {@code
   * <turnName>:<tool>-<i>}, and returns their result messages in the same order.
   */
  public List<ToolExecutionResultMessage> executeAll(WorkflowContext ctx, String turnName, ChatTurn turn) {
    StepNames.checkPrefix(turnName);
    List<ToolExecutionResultMessage> results = new ArrayList<>();
    for (int i = 0; i < turn.toolCalls().size(); i++) {
      ToolCall call = turn.toolCalls().get(i);
      results.add(execute(ctx, StepNames.toolStep(turnName, call.name(), i + 1), call.toRequest()));
    }
    return results;
  }

  /** A result that tells the model its call failed (LangChain4j's convention: text starting with "Error:"). */
  public static ToolExecutionResultMessage errorResult(ToolExecutionRequest call, String reason) {
    return ToolExecutionResultMessage.from(call, "Error: " + reason);
  }

  /** Registers tools. */
  public static final class Builder {
    private final Map<String, Registered> tools = new LinkedHashMap<>();
    private StepOptions defaults = StepOptions.defaults();

    private Builder() {}

    /** Step options for tools registered after this call without their own. */
    public Builder defaultOptions(StepOptions options) {
      this.defaults = Objects.requireNonNull(options, "options");
      return this;
    }

    /** A tool with the default step options. */
    public Builder tool(ToolSpecification spec, DurableTool tool) {
      return tool(spec, defaults, tool);
    }

    /** A tool with its own step options (retries, timeouts, limiters). */
    public Builder tool(ToolSpecification spec, StepOptions options, DurableTool tool) {
      Objects.requireNonNull(spec, "spec");
      if (tools.containsKey(spec.name())) {
        throw new IllegalArgumentException("a tool named '" + spec.name() + "' is already registered");
      }
      StepNames.checkPrefix(spec.name());
      tools.put(spec.name(), new Registered(spec, Objects.requireNonNull(options, "options"), Objects.requireNonNull(tool, "tool")));
      return this;
    }

    public DurableTools build() {
      return new DurableTools(tools);
    }
  }
}
