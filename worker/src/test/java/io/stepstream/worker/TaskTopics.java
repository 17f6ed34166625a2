package io.stepstream.worker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The engine's side of the task protocol, by hand: task records and cancel notices written transactionally as
 * the engine writes them, outcomes and heartbeats read back from the signals topic.
 */
final class TaskTopics implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
  final String queue = "q";
  private final String bootstrap;
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> signals;
  private final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();

  TaskTopics(String bootstrap, int taskPartitions) throws Exception {
    this.bootstrap = bootstrap;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(tasksTopic(), taskPartitions, (short) 1),
          new NewTopic(prefix + ".signals", 1, (short) 1),
          new NewTopic(prefix + ".task-cancels", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "-engine");
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    producer.initTransactions();
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    signals = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    TopicPartition tp = new TopicPartition(prefix + ".signals", 0);
    signals.assign(List.of(tp));
    signals.seekToBeginning(List.of(tp));
  }

  String tasksTopic() {
    return prefix + ".tasks." + queue;
  }

  TaskWorker.Builder worker() {
    return TaskWorker.builder().bootstrapServers(bootstrap).topicPrefix(prefix).queue(queue);
  }

  /** A task record as the engine writes it; {@code deadline} and {@code heartbeatTimeoutMs} may be null. */
  ObjectNode task(String taskId, Object input, Long deadline, Long heartbeatTimeoutMs) {
    ObjectNode t = JSON.createObjectNode().put("taskId", taskId).put("queue", queue).put("runId", "run-" + taskId)
        .put("workflowType", "wt").put("step", "s").put("attempt", 1).put("maxAttempts", 3)
        .put("idempotencyKey", "run-" + taskId + "/s").put("dispatchedAt", System.currentTimeMillis())
        .put("someFutureField", "ignored");
    t.set("input", JSON.valueToTree(input));
    if (deadline == null) {
      t.putNull("deadline");
    } else {
      t.put("deadline", deadline);
    }
    if (heartbeatTimeoutMs == null) {
      t.putNull("heartbeatTimeoutMs");
    } else {
      t.put("heartbeatTimeoutMs", heartbeatTimeoutMs);
    }
    return t;
  }

  String send(ObjectNode task) throws Exception {
    sendRaw(task.get("taskId").asText(), JSON.writeValueAsBytes(task), true);
    return task.get("taskId").asText();
  }

  void sendRaw(String key, byte[] value, boolean commit) {
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(tasksTopic(), key, value));
    if (commit) {
      producer.commitTransaction();
    } else {
      producer.flush();
      producer.abortTransaction();
    }
  }

  void cancel(String taskId) throws Exception {
    ObjectNode notice = JSON.createObjectNode().put("taskId", taskId).put("runId", "run-" + taskId).put("step", "s")
        .put("attempt", 1).put("queue", queue).put("reason", "TIMED_OUT");
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(prefix + ".task-cancels", taskId, JSON.writeValueAsBytes(notice)));
    producer.commitTransaction();
  }

  /** Every signal read so far for {@code taskId} (reads what is new first). */
  synchronized List<JsonNode> signalsOf(String taskId) throws Exception {
    for (ConsumerRecord<String, byte[]> r : signals.poll(Duration.ofMillis(100))) {
      seen.add(r);
    }
    List<JsonNode> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : seen) {
      if (taskId.equals(r.key())) {
        out.add(JSON.readTree(new String(r.value(), StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  List<JsonNode> outcomesOf(String taskId) throws Exception {
    return signalsOf(taskId).stream().filter(s -> !s.has("heartbeat")).toList();
  }

  long heartbeatsOf(String taskId) throws Exception {
    return signalsOf(taskId).stream().filter(s -> s.path("heartbeat").asBoolean()).count();
  }

  @Override
  public void close() {
    producer.close();
    signals.close();
  }
}
