package io.stepstream.internal.executor;

import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.codec.Envelopes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes step outcomes with an idempotent, non-transactional producer (acks=all). Not
 * transactional on purpose: a transaction per step would put a commit on the hot path (see
 * KAFKA-FACTS.md); duplicates are harmless because the orchestrator keeps the first outcome.
 */
public final class KafkaOutcomePublisher implements OutcomePublisher {
  private final RecordLimit limit;
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final Duration ackTimeout;
  private final ExecutorMetrics metrics;
  private volatile io.stepstream.internal.payloads.ClaimChecks claimChecks = io.stepstream.internal.payloads.ClaimChecks.INLINE;

  /** {@code limit}: read from the cluster at start-up; the producer's max.request.size (the client properties') is part of it. */
  public KafkaOutcomePublisher(Map<String, Object> clientConfig, String topic, Duration ackTimeout, RecordLimit limit) {
    this(clientConfig, topic, ackTimeout, limit, ExecutorMetrics.NONE);
  }

  public KafkaOutcomePublisher(Map<String, Object> clientConfig, String topic, Duration ackTimeout, RecordLimit limit, ExecutorMetrics metrics) {
    this.limit = limit;
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "stepstream-outcomes");
    this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.ackTimeout = ackTimeout;
    this.metrics = metrics;
  }

  @Override
  public void publish(StepOutcome outcome) throws PublishException {
    publish(outcome, null);
  }

  @Override
  public void publish(StepOutcome outcome, Map<String, String> traceHeaders) throws PublishException {
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, outcome.getRunId(), Envelopes.encode(outcome));
    TraceHeaders.addTo(traceHeaders, record.headers());
    long sentAt = System.nanoTime();
    boolean acked = false;
    try {
      producer.send(record).get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
      acked = true;
    } catch (ExecutionException | TimeoutException e) {
      throw new PublishException("step outcome for run " + outcome.getRunId() + " not acknowledged: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishException("interrupted while publishing an outcome of run " + outcome.getRunId(), e);
    } finally {
      metrics.outcomePublished(acked, System.nanoTime() - sentAt);
    }
  }

  /** The producer's own metrics (Micrometer), for the engine to bind and close. */
  public io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics clientMetrics(Iterable<io.micrometer.core.instrument.Tag> tags) {
    return new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(producer, tags);
  }

  /**
   * Appends a resume marker to one partition of the step-outcomes topic, without waiting: if it is
   * lost, the orchestrator resumes after its resume delay instead.
   */
  public void sendMarker(int partition, String markerId) {
    Envelopes.ensureTrusted();
    StepOutcome marker = StepOutcome.newBuilder().setRunId("").setGeneration(0).setExecutionId(markerId)
        .setEntries(java.util.List.of()).setCompletion(null).build();
    producer.send(new ProducerRecord<>(topic, partition, "", Envelopes.encode(marker)), (metadata, e) -> {
      if (e != null) {
        org.slf4j.LoggerFactory.getLogger(KafkaOutcomePublisher.class).warn("resume marker for partition {} not sent: {}", partition, e.toString());
      }
    });
  }

  @Override
  public RecordLimit recordLimit() {
    return limit;
  }

  /** Large values of this engine's outcomes go to {@code claimChecks}' store before the outcome that refers to them. */
  public KafkaOutcomePublisher useClaimChecks(io.stepstream.internal.payloads.ClaimChecks claimChecks) {
    this.claimChecks = claimChecks;
    return this;
  }

  @Override
  public io.stepstream.internal.payloads.ClaimChecks claimChecks() {
    return claimChecks;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
