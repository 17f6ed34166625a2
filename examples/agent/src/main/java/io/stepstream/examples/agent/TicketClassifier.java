package io.stepstream.examples.agent;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.store.embedding.CosineSimilarity;
import java.util.List;
import java.util.Map;

/**
 * Nearest labelled example by cosine similarity of all-MiniLM-L6-v2 embeddings: a classifier with
 * no training and no network. The examples are embedded once, on first use.
 */
public final class TicketClassifier {
  /** The category of a ticket and how close it was to its nearest example (cosine similarity, -1..1). */
  public record Category(String label, double score, String nearestExample) {}

  static final Map<String, List<String>> EXAMPLES = Map.of(
      "refund", List.of("I want my money back", "Please refund my order", "I was charged twice",
          "The item arrived broken, I want a refund", "Cancel my order and return the payment"),
      "shipping", List.of("Where is my package?", "My order has not arrived yet", "What is the tracking number of my order?",
          "The delivery is late"),
      "bug", List.of("The app crashes when I open it", "I get an error message when I log in", "The upload button does nothing",
          "The page is blank after the update"),
      "question", List.of("How do I change my password?", "Can I export my data?", "How do I change my plan?",
          "Do you have a student discount?"));

  private final EmbeddingModel model;
  private volatile List<Labelled> labelled;

  private record Labelled(String label, String text, Embedding embedding) {}

  public TicketClassifier(EmbeddingModel model) {
    this.model = model;
  }

  /** The category whose example is nearest to {@code ticket}. */
  public Category classify(Embedding ticket) {
    Labelled best = null;
    double bestScore = -2;
    for (Labelled l : labelled()) {
      double score = CosineSimilarity.between(ticket, l.embedding());
      if (score > bestScore) {
        bestScore = score;
        best = l;
      }
    }
    return new Category(best.label(), Math.round(bestScore * 1000) / 1000.0, best.text());
  }

  private List<Labelled> labelled() {
    List<Labelled> l = labelled;
    if (l == null) {
      synchronized (this) {
        if (labelled == null) {
          List<String[]> pairs = EXAMPLES.entrySet().stream().sorted(Map.Entry.comparingByKey())
              .flatMap(e -> e.getValue().stream().map(t -> new String[] {e.getKey(), t})).toList();
          List<Embedding> vectors = model.embedAll(pairs.stream().map(p -> TextSegment.from(p[1])).toList()).content();
          labelled = java.util.stream.IntStream.range(0, pairs.size())
              .mapToObj(i -> new Labelled(pairs.get(i)[0], pairs.get(i)[1], vectors.get(i))).toList();
        }
        l = labelled;
      }
    }
    return l;
  }
}
