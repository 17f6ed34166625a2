package io.stepstream.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import io.stepstream.StepOptions;
import io.stepstream.Usage;
import io.stepstream.WorkflowContext;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link EmbeddingModel} whose calls are durable steps: the vectors are journaled
 * ({@link EmbeddedTexts}) and the model's token count reported as the step's {@link Usage}. Worth it
 * for a remote model (cost, rate limits) or a slow local one; the vectors a replay sees are the ones
 * the run first got, even if the model is upgraded meanwhile.
 *
 * <pre>{@code
 * DurableEmbeddingModel embeddings = DurableEmbeddingModel.of(new AllMiniLmL6V2QuantizedEmbeddingModel());
 * Embedding ticket = embeddings.embed(ctx, "embed-ticket", ticket.text());
 * double score = CosineSimilarity.between(ticket, refundExample);
 * }</pre>
 */
public final class DurableEmbeddingModel {
  private final EmbeddingModel model;
  private final StepOptions options;
  private final Pricing pricing;

  private DurableEmbeddingModel(EmbeddingModel model, StepOptions options, Pricing pricing) {
    this.model = Objects.requireNonNull(model, "model");
    this.options = Objects.requireNonNull(options, "options");
    this.pricing = Objects.requireNonNull(pricing, "pricing");
  }

  /** Default step options, no cost. */
  public static DurableEmbeddingModel of(EmbeddingModel model) {
    return new DurableEmbeddingModel(model, StepOptions.defaults(), Pricing.FREE);
  }

  /** The same model with these step options (limiters, retries, timeouts). */
  public DurableEmbeddingModel withOptions(StepOptions options) {
    return new DurableEmbeddingModel(model, options, pricing);
  }

  /** The same model with a price on its input tokens ({@link Pricing#inputPerMillion()}). */
  public DurableEmbeddingModel withPricing(Pricing pricing) {
    return new DurableEmbeddingModel(model, options, pricing);
  }

  /** Embeds one text as the step {@code stepName}. */
  public Embedding embed(WorkflowContext ctx, String stepName, String text) {
    return embedAll(ctx, stepName, List.of(text)).embedding(0);
  }

  /** Embeds {@code texts} in one call, as the step {@code stepName}. */
  public EmbeddedTexts embedAll(WorkflowContext ctx, String stepName, List<String> texts) {
    List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
    return ctx.step(stepName, EmbeddedTexts.class, options, s -> {
      Response<List<Embedding>> r = model.embedAll(segments);
      Integer tokens = r.tokenUsage() == null ? null : r.tokenUsage().inputTokenCount();
      Usage usage = pricing.price(Usage.tokens(tokens == null ? 0 : tokens, 0));
      if (usage.totalTokens() > 0 || usage.cost() > 0) {
        s.reportUsage(usage);
      }
      return new EmbeddedTexts(r.content().stream().map(Embedding::vector).toList(), tokens);
    });
  }
}
