package io.stepstream.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.TokenCountEstimator;
import dev.langchain4j.model.chat.request.ChatRequest;
import io.stepstream.StepOptions;
import io.stepstream.Usage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a chat step reports and which options it runs with (unit level: a recording context). */
@Timeout(10)
class UsageReportingTest {
  final RecordingContexts contexts = new RecordingContexts();

  @Test
  void aChatStepReportsTheResponsesTokenUsagePricedIfAPriceIsSet() {
    DurableChatModel llm = DurableChatModel.builder(new ScriptedChatModel(ScriptedChatModel.text("ok", 1_000, 500)))
        .pricing(Pricing.perMillionTokens(2.0, 10.0)).build();

    llm.chat(contexts.workflow(), "answer", List.of(UserMessage.from("hi")));

    assertThat(contexts.reported).containsExactly(new Usage(1_000, 500, 0.007));
  }

  @Test
  void aResponseWithoutTokenUsageReportsNothing() {
    var response = dev.langchain4j.model.chat.response.ChatResponse.builder().aiMessage(dev.langchain4j.data.message.AiMessage.from("x")).build();
    DurableChatModel.of(new ScriptedChatModel(response)).chat(contexts.workflow(), "answer", List.of(UserMessage.from("hi")));

    assertThat(contexts.reported).isEmpty();
  }

  @Test
  void stepOptionsArePassedThroughAndALimitedCallGetsTheEstimatorsTokenEstimate() {
    StepOptions limited = StepOptions.defaults().withLimiter("gpt").withPriority(3).withBudgetKey("tenant:acme");
    DurableChatModel llm = DurableChatModel.builder(new ScriptedChatModel(ScriptedChatModel.text("a", 1, 1), ScriptedChatModel.text("b", 1, 1)))
        .options(limited).tokenCountEstimator(new WordCounter()).build();

    llm.chat(contexts.workflow(), "one", ChatRequest.builder().messages(UserMessage.from("three short words")).maxOutputTokens(100).build());
    llm.chat(contexts.workflow(), "two", StepOptions.defaults(), ChatRequest.builder().messages(UserMessage.from("x")).build());

    assertThat(contexts.options.get(0)).isEqualTo(limited.withEstimatedTokens(103));
    assertThat(contexts.options.get(1)).as("no limiter: no estimate").isEqualTo(StepOptions.defaults());
  }

  @Test
  void anEmbeddingStepReportsItsInputTokens() {
    var model = new dev.langchain4j.model.embedding.EmbeddingModel() {
      @Override
      public dev.langchain4j.model.output.Response<List<dev.langchain4j.data.embedding.Embedding>> embedAll(List<dev.langchain4j.data.segment.TextSegment> segments) {
        return dev.langchain4j.model.output.Response.from(
            segments.stream().map(s -> dev.langchain4j.data.embedding.Embedding.from(new float[] {1, 0})).toList(),
            new dev.langchain4j.model.output.TokenUsage(7));
      }
    };
    EmbeddedTexts e = DurableEmbeddingModel.of(model).embedAll(contexts.workflow(), "embed", List.of("a", "b"));

    assertThat(e.size()).isEqualTo(2);
    assertThat(contexts.reported).containsExactly(Usage.tokens(7, 0));
  }

  /** One token per word. */
  static final class WordCounter implements TokenCountEstimator {
    public int estimateTokenCountInText(String text) {
      return text.split("\\s+").length;
    }

    public int estimateTokenCountInMessage(ChatMessage message) {
      return estimateTokenCountInText(((UserMessage) message).singleText());
    }

    public int estimateTokenCountInMessages(Iterable<ChatMessage> messages) {
      int n = 0;
      for (ChatMessage m : messages) {
        n += estimateTokenCountInMessage(m);
      }
      return n;
    }
  }
}
