package io.stepstream.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.TokenCountEstimator;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import io.stepstream.StepContext;
import io.stepstream.StepOptions;
import io.stepstream.Usage;
import io.stepstream.WorkflowContext;
import io.stepstream.internal.langchain4j.StepNames;
import io.stepstream.internal.langchain4j.StepBoundChatModel;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link ChatModel} whose every call is a durable step: the call runs once, its
 * answer is journaled as a {@link ChatTurn}, and every replay of the workflow (after a wait, a
 * crash, a restart) gets the journaled answer without calling the model again. The response's
 * token counts are reported as the step's {@link Usage} (so run budgets, key budgets and
 * tokens-per-minute limiters see them), priced with {@link Builder#pricing} if set.
 *
 * <pre>{@code
 * DurableChatModel llm = DurableChatModel.builder(openAiChatModel)
 *     .options(StepOptions.defaults().withLimiter("gpt-4o").withStartToCloseTimeout(Duration.ofSeconds(60)))
 *     .pricing(Pricing.perMillionTokens(2.50, 10.00))
 *     .build();
 *
 * Workflow<Question, String> answer = (ctx, q) -> {
 *   ChatTurn turn = llm.chat(ctx, "answer", ChatRequest.builder().messages(UserMessage.from(q.text())).build());
 *   return turn.text();
 * };
 * }</pre>
 *
 * <p>Step names are yours and must be unique in the run, like every step name: in a loop, number
 * them.
 *
 * <pre>{@code
 * // BAD: the model is called outside a step: again on every replay, and nothing is journaled
 * ChatResponse r = openAiChatModel.chat(request);
 *
 * // BAD: the same name twice: the second call is refused (names are how replays find results)
 * for (Ticket t : tickets) llm.chat(ctx, "classify", request(t));
 *
 * // GOOD
 * for (int i = 0; i < tickets.size(); i++) llm.chat(ctx, "classify-" + i, request(tickets.get(i)));
 * }</pre>
 *
 * <p>Semantics: the model call is <b>at-least-once</b> (a failed or timed-out attempt is retried
 * by the step's {@code RetryPolicy}, and a crash between the call and the journal write repeats
 * it); its journaled answer is <b>exactly-once</b>: the run sees one answer, the same on every
 * replay. Usage of failed attempts is not reported by this class (the exception carries no
 * response); usage is journaled with the attempt that reported it.
 *
 * <p>Thread-safe and stateless: build one per model and share it across workflows.
 */
public final class DurableChatModel {
  private final ChatModel model;
  private final StepOptions options;
  private final Pricing pricing;
  private final TokenCountEstimator estimator;

  private DurableChatModel(Builder b) {
    this.model = b.model;
    this.options = b.options;
    this.pricing = b.pricing;
    this.estimator = b.estimator;
  }

  /** With default step options, no pricing. */
  public static DurableChatModel of(ChatModel model) {
    return builder(model).build();
  }

  public static Builder builder(ChatModel model) {
    return new Builder(model);
  }

  /** The wrapped model. */
  public ChatModel model() {
    return model;
  }

  /** The step options every call uses unless one passes its own. */
  public StepOptions options() {
    return options;
  }

  /** One chat call as the step {@code stepName}, with this model's step options. */
  public ChatTurn chat(WorkflowContext ctx, String stepName, ChatRequest request) {
    return chat(ctx, stepName, options, request);
  }

  /** One chat call with only messages (no tools, default parameters). */
  public ChatTurn chat(WorkflowContext ctx, String stepName, List<ChatMessage> messages) {
    return chat(ctx, stepName, options, ChatRequest.builder().messages(messages).build());
  }

  /**
   * One chat call as the step {@code stepName} with {@code stepOptions} (limiters, priority,
   * budget key, retries, timeouts). If the options name a limiter and give no estimate, and this
   * model has a {@link Builder#tokenCountEstimator}, the estimate (prompt tokens plus the request's
   * {@code maxOutputTokens}) is what a tokens-per-minute limiter reserves until the real usage is
   * reported.
   *
   * @throws io.stepstream.BudgetExceededException if a budget is used up: the model is not called
   * @throws io.stepstream.StepFailedException if every attempt failed
   */
  public ChatTurn chat(WorkflowContext ctx, String stepName, StepOptions stepOptions, ChatRequest request) {
    Objects.requireNonNull(request, "request");
    StepOptions effective = withEstimate(Objects.requireNonNull(stepOptions, "stepOptions"), request);
    return ctx.step(stepName, ChatTurn.class, effective, s -> call(request, s));
  }

  /**
   * A {@link ChatModel} for LangChain4j code that takes one (AI services, agents, chains), bound to
   * this run: its n-th call is the step {@code namePrefix + "-" + n}. The numbering is deterministic
   * as long as the workflow code is (it is re-run from the start on every replay, and so is the
   * counter). Use a new binding per run; never keep one in a field.
   *
   * <pre>{@code
   * ChatModel durable = llm.bind(ctx, "assistant");     // steps assistant-1, assistant-2, ...
   * String answer = durable.chat("Summarise: " + text); // journaled, usage reported
   * }</pre>
   */
  public ChatModel bind(WorkflowContext ctx, String namePrefix) {
    StepNames.checkPrefix(namePrefix);
    return new StepBoundChatModel(this, ctx, namePrefix);
  }

  private ChatTurn call(ChatRequest request, StepContext s) {
    ChatTurn turn = ChatTurn.of(model.chat(request));
    Usage usage = pricing.price(turn.usage());
    if (usage.totalTokens() > 0 || usage.cost() > 0) {
      s.reportUsage(usage);
    }
    return turn;
  }

  private StepOptions withEstimate(StepOptions o, ChatRequest request) {
    if (estimator == null || o.limiters().isEmpty() || o.estimatedTokens() > 0) {
      return o;
    }
    long prompt = estimator.estimateTokenCountInMessages(request.messages());
    Integer maxOut = request.maxOutputTokens();
    return o.withEstimatedTokens(prompt + (maxOut == null ? 0 : maxOut));
  }

  /** Options of a {@link DurableChatModel}. */
  public static final class Builder {
    private final ChatModel model;
    private StepOptions options = StepOptions.defaults();
    private Pricing pricing = Pricing.FREE;
    private TokenCountEstimator estimator;

    private Builder(ChatModel model) {
      this.model = Objects.requireNonNull(model, "model");
    }

    /** Step options of every call (a call may pass its own): limiters, priority, budget key, retries, timeouts. */
    public Builder options(StepOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /** Puts a cost on the reported usage. Default {@link Pricing#FREE}: tokens only. */
    public Builder pricing(Pricing pricing) {
      this.pricing = Objects.requireNonNull(pricing, "pricing");
      return this;
    }

    /**
     * Estimates a call's tokens before it runs, for tokens-per-minute limiters ({@link
     * StepOptions#withEstimatedTokens}); e.g. LangChain4j's {@code HuggingFaceTokenCountEstimator}
     * or your provider's. Not used for the reported usage: that is what the provider answered.
     */
    public Builder tokenCountEstimator(TokenCountEstimator estimator) {
      this.estimator = estimator;
      return this;
    }

    public DurableChatModel build() {
      return new DurableChatModel(this);
    }
  }
}
