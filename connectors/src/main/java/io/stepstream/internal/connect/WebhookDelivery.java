package io.stepstream.internal.connect;

import io.stepstream.client.Topics;
import java.util.Optional;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one record to the webhook, once: decodes it, POSTs it, and writes the decision the answer may hold.
 * Retrying is the task's business ({@link RetryBook}); this says whether trying again may help.
 */
public final class WebhookDelivery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);

  /** What one try came to. */
  public sealed interface Result permits Done, TryAgain, GiveUp {}

  /** Delivered (and its decision written, if it held one). */
  public record Done() implements Result {}

  /** Not delivered; another try may pass. */
  public record TryAgain(String reason) implements Result {}

  /** Will not be delivered: report it. */
  public record GiveUp(UndeliverableException reason) implements Result {}

  private final Topics topics;
  private final boolean deliverResults;
  private final Webhook webhook;
  private final RecordDecoder decoder;
  private final DecisionWriter decisions;
  private boolean warnedDecisionsDisabled;

  /** {@code decisions} is null when decisions are disabled. */
  WebhookDelivery(WebhookSinkConfig config, Webhook webhook, RecordDecoder decoder, DecisionWriter decisions) {
    this.topics = config.topics();
    this.deliverResults = config.deliverResults();
    this.webhook = webhook;
    this.decoder = decoder;
    this.decisions = decisions;
  }

  /**
   * @throws ConnectException when the schema registry settings are invalid (the connector's validation reports them
   *     before a task starts)
   */
  public static WebhookDelivery create(WebhookSinkConfig config, Webhook webhook, org.apache.kafka.clients.producer.Producer<String, byte[]> producer) {
    RecordDecoder decoder;
    try {
      decoder = RecordDecoder.create(config.registryProperties());
    } catch (IllegalArgumentException e) {
      throw new ConnectException("the schema registry settings of the connector do not work: " + e.getMessage(), e);
    }
    return new WebhookDelivery(config, webhook, decoder,
        producer == null ? null : new DecisionWriter(producer, config.topics().approvals(), config.decisionsAsJson()));
  }

  /** The registry the records' schema ids are looked up in, or null without one. */
  public String registryUrl() {
    return decoder.registryUrl();
  }

  public Result attempt(SinkRecord record) throws InterruptedException {
    WebhookMessage message;
    try {
      message = message(record);
    } catch (UndeliverableException e) {
      return new GiveUp(new UndeliverableException("cannot deliver " + RecordNames.describe(record) + ": " + e.getMessage()));
    } catch (RecordDecoder.RegistryUnanswered e) {
      return new TryAgain(e.getMessage() + ", so " + RecordNames.describe(record) + " is not delivered yet");
    }
    Webhook.Outcome outcome = webhook.post(message);
    if (outcome instanceof Webhook.Retryable retry) {
      return new TryAgain(retry.reason() + " for " + message.what());
    }
    if (outcome instanceof Webhook.Refused refused) {
      return new GiveUp(new UndeliverableException(refused.reason() + " for " + message.what()));
    }
    Webhook.Delivered delivered = (Webhook.Delivered) outcome;
    if (!message.awaitsDecision() || delivered.status() != 200) {
      return new Done();
    }
    Optional<WebhookDecision.Decision> decision;
    try {
      decision = WebhookDecision.parse(delivered.body(), message.approval());
    } catch (UndeliverableException e) {
      return new GiveUp(new UndeliverableException("delivered, but " + e.getMessage()));
    }
    if (decision.isPresent()) {
      if (decisions == null) {
        if (!warnedDecisionsDisabled) {
          log.warn("The webhook answered {} with a decision, which is ignored: decisions.enabled=false", message.what());
          warnedDecisionsDisabled = true;
        }
      } else {
        decisions.write(decision.get());
        log.info("Wrote the webhook's decision on {} ({})", message.what(), decision.get().decision().getApproved() ? "approved" : "rejected");
      }
    }
    return new Done();
  }

  private WebhookMessage message(SinkRecord record) {
    if (!(record.value() instanceof byte[] bytes)) {
      throw new ConnectException("the value of " + RecordNames.describe(record) + " is a "
          + record.value().getClass().getName() + ", not bytes: set value.converter=org.apache.kafka.connect.converters.ByteArrayConverter"
          + " on the connector (the engine's records are read with the client's codec, not a Connect converter)");
    }
    String topic = record.originalTopic();
    if (topic.equals(topics.approvalRequests())) {
      return WebhookMessage.of(decoder.approvalRequest(bytes));
    }
    if (deliverResults && topic.equals(topics.results())) {
      return WebhookMessage.of(decoder.result(bytes));
    }
    throw new ConnectException("the connector got " + RecordNames.describe(record) + " from topic " + topic + ", but it delivers "
        + topics.approvalRequests() + (deliverResults ? " and " + topics.results() : "") + " only: check topics and stepstream.topic.prefix");
  }

  @Override
  public void close() {
    decoder.close();
    if (decisions != null) {
      decisions.close();
    }
  }
}
