package io.stepstream.examples.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.HuggingFaceTokenCountEstimator;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.Budget;
import io.stepstream.BudgetExceededException;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.WorkflowContext;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import io.stepstream.examples.agent.TicketClassifier.Category;
import io.stepstream.langchain4j.ChatTurn;
import io.stepstream.langchain4j.DurableChatModel;
import io.stepstream.langchain4j.DurableEmbeddingModel;
import io.stepstream.langchain4j.DurableTools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The agent of {@code ./stepstream demo}: support-ticket triage with LangChain4j, entirely offline.
 *
 * <ol>
 *   <li>{@code embed-ticket}: the ticket embedded with all-MiniLM-L6-v2 (in-process ONNX), a step;
 *   <li>{@code classify}: the nearest labelled example (refund, shipping, bug, question), a step;
 *   <li>{@code think-1}, {@code think-2}, ...: the chat model, each turn a step; its tool calls
 *       ({@value #LOOKUP_ORDER}, {@value #ISSUE_REFUND}) are steps named {@code think-<n>:<tool>-<i>};
 *   <li>a refund above {@value #APPROVAL_LIMIT} EUR waits for a human ({@code refund-<order>}): approve
 *       (possibly with a smaller amount), reject, or no decision within a day (nothing refunded);
 *   <li>a token budget, if the ticket has one: when it is used up the next step is refused with
 *       {@link BudgetExceededException}, and the agent hands the ticket to a human instead.
 * </ol>
 *
 * <p>The chat model here is {@link LocalSupportModel}, a deterministic stand-in (no LLM); pass any
 * LangChain4j {@link ChatModel} to {@link #SupportAgent(OrderStore, EmbeddingModel, ChatModel)}
 * and nothing else changes.
 */
public final class SupportAgent implements WorkflowRegistrar {
  public static final String TYPE = "support-agent";
  public static final String LOOKUP_ORDER = "lookup_order";
  public static final String ISSUE_REFUND = "issue_refund";
  /** Refunds above this many euros need a human's approval. */
  public static final double APPROVAL_LIMIT = 100;
  /** The limiter the demo declares for the chat model ({@link #withModelLimiter}). */
  public static final String MODEL_LIMITER = "local-chat-model";
  /** What a chat call reserves on a tokens-per-minute limiter until it reports its real usage. */
  static final long ESTIMATED_TOKENS_PER_CALL = 300;
  static final int MAX_TURNS = 6;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A support ticket; {@code tokenBudget} (may be null) caps the tokens the run may use. */
  public record Ticket(String id, String customer, String text, Long tokenBudget) {
    public Ticket(String id, String customer, String text) {
      this(id, customer, text, null);
    }
  }

  /**
   * How a ticket ended.
   *
   * @param outcome {@code answered}, {@code budget-exceeded} (handed to a human) or {@code too-many-turns}
   * @param actions what the tools did, in order (lookups, refunds, refused refunds)
   * @param tokens tokens the models reported for this run (embedding and chat)
   * @param modelCalls chat turns
   */
  public record Resolution(String ticketId, String category, double confidence, String outcome, String reply,
      List<String> actions, long tokens, int modelCalls) {}

  /** What a human approves for a large refund; they may lower the amount. */
  public record RefundProposal(String orderId, double amount, String customer) {}

  private static volatile Models shared;

  private record Models(EmbeddingModel embeddings, ChatModel chat) {}

  private final OrderStore orders;
  private final DurableEmbeddingModel embeddings;
  private final TicketClassifier classifier;
  private final DurableChatModel llm;
  private final DurableTools tools;

  /** The demo's agent: the sample order store, all-MiniLM-L6-v2 and {@link LocalSupportModel} (loaded on first use, shared). */
  public SupportAgent() {
    this(OrderStore.sample(), null, null);
  }

  /**
   * An agent over {@code orders} with these models (null: the demo's, loaded on first use). The
   * models are used from step bodies only.
   */
  public SupportAgent(OrderStore orders, EmbeddingModel embeddingModel, ChatModel chatModel) {
    this.orders = orders;
    EmbeddingModel em = embeddingModel != null ? embeddingModel : new LazyEmbeddingModel(() -> models().embeddings());
    ChatModel cm = chatModel != null ? chatModel : new LazyChatModel(() -> models().chat());
    this.embeddings = DurableEmbeddingModel.of(em);
    this.classifier = new TicketClassifier(em);
    this.llm = DurableChatModel.of(cm);
    this.tools = DurableTools.builder()
        .tool(ToolSpecification.builder().name(LOOKUP_ORDER).description("Looks an order up by its id (A-1234)")
                .parameters(JsonObjectSchema.builder().addStringProperty("orderId").required("orderId").build()).build(),
            (call, s) -> lookup(arg(call, "orderId").asText()))
        .tool(ToolSpecification.builder().name(ISSUE_REFUND).description("Refunds an amount of an order to the customer's card")
                .parameters(JsonObjectSchema.builder().addStringProperty("orderId").addNumberProperty("amount").required("orderId", "amount").build()).build(),
            (call, s) -> JSON.writeValueAsString(orders.refund(arg(call, "orderId").asText(), arg(call, "amount").asDouble(), s.idempotencyKey())))
        .build();
  }

  /** Null: chat calls ask no limiter. */
  private String modelLimiter;

  /**
   * Sends every chat call through the engine's limiter {@code limiter} (declared on the engine, e.g.
   * {@code Stepstream.builder().limiter(Limiter.named(MODEL_LIMITER).maxConcurrent(2).requestsPerSecond(5))}),
   * each reserving {@value #ESTIMATED_TOKENS_PER_CALL} tokens until it reports its usage. A call
   * waiting for its permit holds no thread.
   */
  public SupportAgent withModelLimiter(String limiter) {
    this.modelLimiter = limiter;
    return this;
  }

  /** The order store the tools use. */
  public OrderStore orders() {
    return orders;
  }

  @Override
  public void registerWorkflows(WorkflowRegistration workflows) {
    workflows.register(TYPE, Ticket.class, workflow());
  }

  /** The workflow itself. */
  public Workflow<Ticket, Resolution> workflow() {
    return this::handle;
  }

  private Resolution handle(WorkflowContext ctx, Ticket ticket) {
    if (ticket.tokenBudget() != null) {
      ctx.budget(Budget.ofTokens(ticket.tokenBudget()));
    }
    List<String> actions = new ArrayList<>();
    long tokens = 0;
    int turns = 0;
    Category category = null;
    try {
      var embedded = embeddings.embedAll(ctx, "embed-ticket", List.of(ticket.text()));
      tokens += embedded.inputTokens() == null ? 0 : embedded.inputTokens();
      Embedding vector = embedded.embedding(0);
      category = ctx.step("classify", Category.class, s -> classifier.classify(vector));
      List<ChatMessage> messages = new ArrayList<>(List.of(
          SystemMessage.from("You are the support agent of a small online shop. The ticket's category is: " + category.label()
              + ". Look orders up with " + LOOKUP_ORDER + " and refund with " + ISSUE_REFUND + "; refunds above "
              + APPROVAL_LIMIT + " EUR are approved by a human first. Answer briefly and kindly."),
          UserMessage.from(ticket.text())));
      for (int turn = 1; turn <= MAX_TURNS; turn++) {
        String name = "think-" + turn;
        ChatRequest request = ChatRequest.builder().messages(messages).toolSpecifications(tools.specifications()).build();
        ChatTurn t = modelLimiter == null ? llm.chat(ctx, name, request)
            : llm.chat(ctx, name, StepOptions.defaults().withLimiter(modelLimiter).withEstimatedTokens(ESTIMATED_TOKENS_PER_CALL), request);
        turns++;
        tokens += t.usage().totalTokens();
        messages.add(t.aiMessage());
        if (!t.hasToolCalls()) {
          return new Resolution(ticket.id(), category.label(), category.score(), "answered", t.text(), actions, tokens, turns);
        }
        for (int i = 0; i < t.toolCalls().size(); i++) {
          ToolExecutionRequest call = t.toolCalls().get(i).toRequest();
          String step = name + ":" + call.name() + "-" + (i + 1);
          if (call.name().equals(ISSUE_REFUND)) {
            call = approvedOrNull(ctx, ticket, call, actions);
            if (call == null) {
              messages.add(DurableTools.errorResult(t.toolCalls().get(i).toRequest(), actions.get(actions.size() - 1)));
              continue;
            }
          }
          var result = tools.execute(ctx, step, call);
          messages.add(result);
          actions.add(call.name() + " " + call.arguments() + " -> " + result.text());
        }
      }
      return new Resolution(ticket.id(), category.label(), category.score(), "too-many-turns",
          "A colleague will take over this ticket.", actions, tokens, turns);
    } catch (BudgetExceededException e) {
      // the budget's wrap-up: no more model calls; a human takes over, and the run says why
      return new Resolution(ticket.id(), category == null ? "unknown" : category.label(), category == null ? 0 : category.score(),
          "budget-exceeded", "A colleague will take over this ticket (" + e.getMessage() + ").", actions, e.used().totalTokens(), turns);
    }
  }

  /** A refund above the limit waits for a human; returns the call to execute (maybe with the approved amount), or null. */
  private static ToolExecutionRequest approvedOrNull(WorkflowContext ctx, Ticket ticket, ToolExecutionRequest call, List<String> actions) {
    JsonNode args = arg(call, null);
    String orderId = args.get("orderId").asText();
    double amount = args.get("amount").asDouble();
    if (amount <= APPROVAL_LIMIT) {
      return call;
    }
    RefundProposal proposal = new RefundProposal(orderId, amount, ticket.customer());
    Approval a = ctx.awaitApproval("refund-" + orderId,
        ApprovalRequest.of(String.format(Locale.ROOT, "Refund %.2f EUR for order %s (%s, ticket %s)", amount, orderId, ticket.customer(), ticket.id()))
            .details(proposal).timedOutDecisionOnTimeout(),
        Duration.ofDays(1));
    if (a.timedOut()) {
      actions.add("refund of " + amount + " EUR for " + orderId + " not approved within a day");
      return null;
    }
    if (!a.approved()) {
      actions.add("refund of " + amount + " EUR for " + orderId + " rejected by " + a.approver() + ": " + a.reason());
      return null;
    }
    double approved = a.edited(RefundProposal.class).map(RefundProposal::amount).orElse(amount);
    actions.add(String.format(Locale.ROOT, "refund of %.2f EUR for %s approved by %s", approved, orderId, a.approver()));
    return call.toBuilder().arguments("{\"orderId\":\"" + orderId + "\",\"amount\":" + approved + "}").build();
  }

  private String lookup(String orderId) throws Exception {
    var order = orders.find(orderId);
    return order.isPresent() ? JSON.writeValueAsString(order.get()) : "Error: there is no order " + orderId;
  }

  private static JsonNode arg(ToolExecutionRequest call, String name) {
    try {
      JsonNode args = JSON.readTree(call.arguments());
      if (name == null) {
        return args;
      }
      if (!args.hasNonNull(name)) {
        throw new IllegalArgumentException("tool call " + call.name() + " without '" + name + "': " + call.arguments());
      }
      return args.get(name);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("tool call " + call.name() + " with arguments that are not JSON: " + call.arguments(), e);
    }
  }

  /** Loads the demo's models now (otherwise the first step that needs them does): about a second or two. */
  public static void loadModels() {
    models().embeddings().embed("warm up");
  }

  private static Models models() {
    Models m = shared;
    if (m == null) {
      synchronized (SupportAgent.class) {
        if (shared == null) {
          shared = new Models(new AllMiniLmL6V2QuantizedEmbeddingModel(), new LocalSupportModel(new HuggingFaceTokenCountEstimator()));
        }
        m = shared;
      }
    }
    return m;
  }
}
