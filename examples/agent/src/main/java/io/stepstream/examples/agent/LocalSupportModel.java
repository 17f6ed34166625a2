package io.stepstream.examples.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.TokenCountEstimator;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deterministic stand-in for an LLM, so the demo runs without a network or a GPU: <b>not</b> a
 * language model. It reads the conversation the way an agent model would (the category in the system
 * message, the ticket, the tool results so far) and answers with a tool call or a reply from
 * templates. It reports token usage like a provider does, counted with a real tokenizer (BERT
 * WordPiece, the one all-MiniLM-L6-v2 uses) over the messages it was sent and the answer it gave.
 *
 * <p>Swap it for any LangChain4j {@code ChatModel} (OpenAI, Anthropic, Ollama, ...): the workflow
 * does not change (docs/adr/0022).
 */
public final class LocalSupportModel implements ChatModel {
  static final String MODEL_NAME = "local-support-model";
  private static final Pattern ORDER_ID = Pattern.compile("\\b[A-Z]-\\d{4}\\b");
  private static final Pattern CATEGORY = Pattern.compile("category is: (\\w+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TokenCountEstimator tokenizer;

  /** @param tokenizer counts the tokens it reports (e.g. {@code new HuggingFaceTokenCountEstimator()}) */
  public LocalSupportModel(TokenCountEstimator tokenizer) {
    this.tokenizer = tokenizer;
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    List<ChatMessage> messages = request.messages();
    String category = "question";
    String ticket = "";
    Map<String, String> results = new HashMap<>();
    for (ChatMessage m : messages) {
      if (m instanceof SystemMessage s) {
        Matcher c = CATEGORY.matcher(s.text());
        if (c.find()) {
          category = c.group(1);
        }
      } else if (m instanceof UserMessage u) {
        ticket = u.singleText();
      } else if (m instanceof ToolExecutionResultMessage t) {
        results.put(t.toolName(), t.text());
      }
    }
    Matcher id = ORDER_ID.matcher(ticket);
    String orderId = id.find() ? id.group() : null;
    AiMessage answer = decide(category, ticket, orderId, results);
    return ChatResponse.builder()
        .aiMessage(answer)
        .tokenUsage(new TokenUsage(countIn(messages), countOut(answer)))
        .finishReason(answer.hasToolExecutionRequests() ? FinishReason.TOOL_EXECUTION : FinishReason.STOP)
        .modelName(MODEL_NAME)
        .build();
  }

  private AiMessage decide(String category, String ticket, String orderId, Map<String, String> results) {
    String lookup = results.get(SupportAgent.LOOKUP_ORDER);
    String refund = results.get(SupportAgent.ISSUE_REFUND);
    if (orderId != null && lookup == null) {
      return call(SupportAgent.LOOKUP_ORDER, "{\"orderId\":\"" + orderId + "\"}");
    }
    JsonNode order = lookup == null || lookup.startsWith("Error") ? null : read(lookup);
    if (category.equals("refund") && order != null && refund == null) {
      return call(SupportAgent.ISSUE_REFUND, "{\"orderId\":\"" + orderId + "\",\"amount\":" + order.get("amount").asDouble() + "}");
    }
    return AiMessage.from(reply(category, ticket, orderId, order, lookup, refund));
  }

  private static String reply(String category, String ticket, String orderId, JsonNode order, String lookup, String refund) {
    if (orderId != null && order == null) {
      return "I could not find order " + orderId + " (" + lookup + "). Could you check the number on your confirmation e-mail?";
    }
    switch (category) {
      case "refund":
        if (order == null) {
          return "I am sorry to hear that. Please send us your order number (it looks like A-1234) and I will refund you right away.";
        }
        if (refund != null && refund.startsWith("Error")) {
          return "I am sorry about order " + orderId + " (" + order.get("item").asText() + "). The refund could not be made: "
              + refund.substring("Error: ".length()) + ". A colleague will contact you within one business day.";
        }
        JsonNode r = read(refund);
        return "I am sorry about order " + orderId + " (" + order.get("item").asText() + "). We refunded "
            + String.format(Locale.ROOT, "%.2f", r.get("amount").asDouble()) + " EUR (reference " + r.get("reference").asText()
            + "); it shows on your statement within 3 to 5 days.";
      case "shipping":
        if (order == null) {
          return "Please send us your order number (it looks like A-1234) and I will look up where your parcel is.";
        }
        return "Your order " + orderId + " (" + order.get("item").asText() + ") is " + order.get("status").asText()
            + (order.hasNonNull("tracking") ? "; tracking number: " + order.get("tracking").asText() : "") + ".";
      case "bug":
        return "Thank you for the report, and sorry for the trouble. Our engineers have it; meanwhile, please update the app"
            + " to the latest version and try again. We will write when the fix is out.";
      default:
        String t = ticket.toLowerCase(Locale.ROOT);
        if (t.contains("export")) {
          return "You can export your data under Settings > Account > Export data (CSV or JSON).";
        }
        if (t.contains("plan")) {
          return "You can change your plan under Settings > Billing > Change plan; the difference is prorated.";
        }
        if (t.contains("password")) {
          return "Use 'Forgot password' on the login page; the link we send is valid for one hour.";
        }
        return "Thanks for your question! Our help center at help.example.com answers most questions; a colleague will follow up.";
    }
  }

  private static AiMessage call(String tool, String arguments) {
    return AiMessage.from(ToolExecutionRequest.builder().id("call-" + tool).name(tool).arguments(arguments).build());
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException("not JSON: " + json, e);
    }
  }

  private int countIn(List<ChatMessage> messages) {
    int n = 0;
    for (ChatMessage m : messages) {
      n += 4 + tokenizer.estimateTokenCountInText(text(m)); // a few tokens of framing per message, as chat formats have
    }
    return n;
  }

  private int countOut(AiMessage answer) {
    return answer.hasToolExecutionRequests()
        ? answer.toolExecutionRequests().stream().mapToInt(r -> 4 + tokenizer.estimateTokenCountInText(r.name() + " " + r.arguments())).sum()
        : tokenizer.estimateTokenCountInText(answer.text());
  }

  private static String text(ChatMessage m) {
    if (m instanceof SystemMessage s) {
      return s.text();
    }
    if (m instanceof UserMessage u) {
      return u.singleText();
    }
    if (m instanceof ToolExecutionResultMessage t) {
      return t.text();
    }
    AiMessage a = (AiMessage) m;
    StringBuilder b = new StringBuilder(a.text() == null ? "" : a.text());
    if (a.hasToolExecutionRequests()) {
      a.toolExecutionRequests().forEach(r -> b.append(' ').append(r.name()).append(' ').append(r.arguments()));
    }
    return b.toString();
  }
}
