package io.stepstream.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import java.util.List;

/**
 * What the journal keeps of one embedding step: a vector per text, in the order given, and the
 * tokens the model counted. About 8 bytes of JSON per dimension per text: embed tens of texts in a
 * step, not thousands (those belong in a vector store, written by a step).
 *
 * @param vectors one vector per text
 * @param inputTokens tokens the model counted, or null if it did not say
 */
public record EmbeddedTexts(List<float[]> vectors, Integer inputTokens) {
  public EmbeddedTexts {
    vectors = List.copyOf(vectors);
  }

  /** The i-th vector as LangChain4j's type. */
  public Embedding embedding(int i) {
    return Embedding.from(vectors.get(i));
  }

  /** How many texts were embedded. */
  public int size() {
    return vectors.size();
  }
}
