package io.stepstream.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.store.embedding.CosineSimilarity;
import io.stepstream.testkit.JournalRecord;
import io.stepstream.testkit.WorkflowTestEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * LangChain4j's in-process all-MiniLM-L6-v2 (quantized; ONNX in the jar, no network) as durable
 * steps in the test kit: the journaled vectors are the model's, and a replay does not embed again.
 */
@Timeout(120)
class DurableEmbeddingModelTest {
  static final EmbeddingModel MINILM = new AllMiniLmL6V2QuantizedEmbeddingModel();

  record Closest(String label, double score) {}

  @Test
  void embeddingsAreJournaledAsTheModelsVectorsAndAReplayDoesNotEmbedAgain() {
    AtomicInteger calls = new AtomicInteger();
    EmbeddingModel counting = new EmbeddingModel() {
      @Override
      public dev.langchain4j.model.output.Response<List<Embedding>> embedAll(List<dev.langchain4j.data.segment.TextSegment> segments) {
        calls.incrementAndGet();
        return MINILM.embedAll(segments);
      }
    };
    DurableEmbeddingModel embeddings = DurableEmbeddingModel.of(counting);
    List<String> labels = List.of("I want my money back for this order", "The app crashes when I open it");
    try (var env = WorkflowTestEnvironment.builder().register("closest", String.class, (ctx, text) -> {
      EmbeddedTexts examples = embeddings.embedAll(ctx, "embed-examples", labels);
      Embedding query = embeddings.embed(ctx, "embed-query", text);
      ctx.sleep("pause", Duration.ofMinutes(1)); // parked; the rest runs on a replay
      int best = CosineSimilarity.between(query, examples.embedding(0)) >= CosineSimilarity.between(query, examples.embedding(1)) ? 0 : 1;
      return new Closest(labels.get(best), CosineSimilarity.between(query, examples.embedding(best)));
    }).build()) {
      String runId = env.start("closest", "please refund me, I was charged twice");
      env.advanceTime(Duration.ofMinutes(1));

      Closest closest = env.result(runId).output(Closest.class);
      assertThat(closest.label()).isEqualTo("I want my money back for this order");
      assertThat(calls).as("two embedding steps, no call on replay").hasValue(2);
      JournalRecord q = env.journal(runId).stream().filter(e -> e.name().equals("embed-query")).findFirst().orElseThrow();
      EmbeddedTexts journaled = q.value(EmbeddedTexts.class);
      assertThat(journaled.vectors().get(0)).hasSize(384)
          .containsExactly(MINILM.embed("please refund me, I was charged twice").content().vector());
      assertThat(journaled.inputTokens()).isPositive();
      JournalRecord examples = env.journal(runId).stream().filter(e -> e.name().equals("embed-examples")).findFirst().orElseThrow();
      assertThat(env.result(runId).usage().inputTokens())
          .isEqualTo(journaled.inputTokens() + examples.value(EmbeddedTexts.class).inputTokens());
    }
  }
}
