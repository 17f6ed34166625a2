package io.stepstream.examples.agent;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.List;
import java.util.function.Supplier;

/** Loads the model (about a second for the ONNX session) on first use, so an engine that hosts the agent starts fast. */
final class LazyEmbeddingModel implements EmbeddingModel {
  private final Supplier<EmbeddingModel> model;

  LazyEmbeddingModel(Supplier<EmbeddingModel> model) {
    this.model = model;
  }

  @Override
  public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
    return model.get().embedAll(segments);
  }

  @Override
  public int dimension() {
    return model.get().dimension();
  }
}
