package io.stepstream.internal.worker;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outcomes and heartbeats on {@code <prefix>.signals}, keyed by the task id (TASKS-PROTOCOL). One idempotent
 * producer with acks=all for the whole worker (it is thread-safe); outcomes are awaited, heartbeats are not.
 */
final class OutcomePublisher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OutcomePublisher.class);

  private final ObjectMapper json = new ObjectMapper();
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;

  OutcomePublisher(Map<String, Object> clientSettings, String topic, String clientId) {
    Map<String, Object> props = new HashMap<>(clientSettings);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
  }

  /** Sends the success of {@code taskId} and waits for the broker's acknowledgement. */
  RecordMetadata success(String taskId, Object data) throws Exception {
    ObjectNode outcome = json.createObjectNode().put("promiseId", taskId);
    outcome.set("data", json.valueToTree(data));
    return sendAndAwait(taskId, outcome);
  }

  /** Sends the failure of {@code taskId} and waits for the broker's acknowledgement. */
  RecordMetadata failure(String taskId, String type, String message, boolean nonRetryable) throws Exception {
    ObjectNode outcome = json.createObjectNode().put("promiseId", taskId);
    outcome.putObject("error").put("type", type).put("message", message).put("nonRetryable", nonRetryable);
    return sendAndAwait(taskId, outcome);
  }

  /** Sends a heartbeat without waiting (a lost one is covered by the next). */
  void heartbeat(String taskId) {
    ObjectNode beat = json.createObjectNode().put("promiseId", taskId).put("heartbeat", true);
    producer.send(record(taskId, beat), (metadata, error) -> {
      if (error != null) {
        log.warn("heartbeat of task {} not sent: {}", taskId, error.toString());
      }
    });
  }

  /** Bounded by the producer's delivery.timeout.ms (default 2 minutes): then the send fails and the task is released. */
  private RecordMetadata sendAndAwait(String taskId, ObjectNode outcome) throws InterruptedException, ExecutionException {
    return producer.send(record(taskId, outcome)).get();
  }

  private ProducerRecord<String, byte[]> record(String taskId, ObjectNode value) {
    try {
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, taskId, json.writeValueAsBytes(value));
      record.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
      return record;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("task " + taskId + ": the handler's value is not serializable to JSON: " + e.getOriginalMessage(), e);
    }
  }

  @Override
  public void close() {
    producer.close(java.time.Duration.ofSeconds(10));
  }
}
