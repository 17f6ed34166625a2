package io.stepstream.connect;

import io.stepstream.internal.connect.Backoff;
import io.stepstream.internal.connect.RecordNames;
import io.stepstream.internal.connect.RetryBook;
import io.stepstream.internal.connect.UndeliverableException;
import io.stepstream.internal.connect.Webhook;
import io.stepstream.internal.connect.WebhookDelivery;
import io.stepstream.internal.connect.WebhookSinkConfig;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task of {@link ApprovalWebhookSinkConnector}. Delivery is synchronous inside {@link #put}: when {@code put}
 * returns, every record it was given is delivered (decisions acked by the broker) or reported as errant, so the
 * offsets the worker commits after it never run ahead of the webhook. A retry does not block {@code put}: the task
 * throws {@link RetriableException} with a {@code timeout}, and the worker hands the same batch back after the
 * backoff, with the records already delivered skipped ({@link RetryBook}).
 */
public final class ApprovalWebhookSinkTask extends SinkTask {
  private static final Logger log = LoggerFactory.getLogger(ApprovalWebhookSinkTask.class);

  private final Function<Map<String, Object>, Producer<String, byte[]>> producers;
  private final RetryBook book = new RetryBook();
  private WebhookDelivery delivery;
  private Backoff backoff;
  private ErrantRecordReporter reporter;

  public ApprovalWebhookSinkTask() {
    this(KafkaProducer::new);
  }

  /** For tests: a producer of decisions made from the task's producer settings. */
  ApprovalWebhookSinkTask(Function<Map<String, Object>, Producer<String, byte[]>> producers) {
    this.producers = producers;
  }

  @Override
  public void start(Map<String, String> props) {
    WebhookSinkConfig config = new WebhookSinkConfig(props);
    backoff = config.backoff();
    String taskName = props.getOrDefault("name", "approval-webhook");
    Producer<String, byte[]> producer = config.decisionsEnabled()
        ? producers.apply(config.producerProperties("stepstream-webhook-decisions-" + taskName + "-" + System.identityHashCode(this)))
        : null;
    Webhook webhook = new Webhook(config.url(), config.bearerToken(), config.connectTimeout(), config.requestTimeout(),
        "stepstream-connectors/" + version());
    delivery = WebhookDelivery.create(config, webhook, producer);
    reporter = errantRecordReporter();
    log.info("Delivering {} to {} ({}; decisions {}; {})", config.expectedTopics(), config.url(),
        reporter == null ? "no dead-letter reporter: an undeliverable record stops the task" : "undeliverable records go to the errant record reporter",
        config.decisionsEnabled() ? "written to " + config.topics().approvals() : "disabled",
        delivery.registryUrl() == null ? "no schema registry: records in the registry wire format are undeliverable"
            : "schema ids looked up in " + delivery.registryUrl());
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    for (SinkRecord record : records) {
      if (record.value() == null || book.isDone(record)) {
        continue;
      }
      long wait = book.waitBeforeNextTry(record, System.currentTimeMillis());
      if (wait > 0) {
        retryLater(wait, "waiting to retry " + RecordNames.describe(record));
      }
      WebhookDelivery.Result result = attempt(record);
      if (result instanceof WebhookDelivery.TryAgain again) {
        int failures = book.failed(record);
        if (backoff.exhausted(failures)) {
          report(record, new UndeliverableException(again.reason() + "; gave up after " + failures + " tries"));
        } else {
          long delay = backoff.delayAfter(failures);
          book.retryAt(record, System.currentTimeMillis() + delay);
          retryLater(delay, again.reason() + "; try " + (failures + 1) + " of " + (backoff.retries() + 1) + " in " + delay + " ms");
        }
      } else if (result instanceof WebhookDelivery.GiveUp giveUp) {
        report(record, giveUp.reason());
      } else {
        book.done(record);
      }
    }
    book.clear();
  }

  private WebhookDelivery.Result attempt(SinkRecord record) {
    try {
      return delivery.attempt(record);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("interrupted while delivering " + RecordNames.describe(record), e);
    }
  }

  private void retryLater(long delayMs, String reason) {
    context.timeout(delayMs);
    throw new RetriableException(reason);
  }

  private void report(SinkRecord record, UndeliverableException reason) {
    if (reporter == null) {
      throw new ConnectException(reason.getMessage() + ". The task stops: to report such records and go on, set errors.tolerance=all"
          + " and errors.deadletterqueue.topic.name on the connector. Its offsets were not committed: after a restart the record"
          + " is tried again", reason);
    }
    log.warn("Reporting {} as errant: {}", RecordNames.describe(record), reason.getMessage());
    reporter.report(record, reason); // the worker writes it before it commits this partition's offsets
    book.done(record);
  }

  private ErrantRecordReporter errantRecordReporter() {
    try {
      return context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError e) {
      return null; // a worker older than Kafka 2.6
    }
  }

  /**
   * Everything {@code put} returned from is delivered, so the worker's offsets may be committed as they are; the
   * batch still being retried was never returned from, so its offsets are not among them.
   */
  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    return currentOffsets;
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    book.forget(partitions);
  }

  @Override
  public void stop() {
    if (delivery != null) {
      delivery.close();
    }
  }

  @Override
  public String version() {
    return Versions.of(ApprovalWebhookSinkTask.class);
  }
}
