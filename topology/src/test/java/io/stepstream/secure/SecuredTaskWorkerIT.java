package io.stepstream.secure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.TaskOptions;
import io.stepstream.client.Topics;
import io.stepstream.client.WorkflowClient;
import io.stepstream.engine.Stepstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote-task worker on a secured cluster (SASL_SSL, ACLs, nothing allowed by default) with exactly
 * the worker role's ACLs ({@link StepstreamAcls#worker}): it sets its share group's configs, takes
 * a task through the share group, answers on the signals topic and reads the cancel notices; the
 * client principal gets the run's result. And the worker principal can do nothing else.
 */
@Timeout(240)
class SecuredTaskWorkerIT {
  static final Topics TOPICS = Topics.withPrefix("sect");
  static final String QUEUE = "llm";
  static final String GROUP = "sect.workers." + QUEUE;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static SecuredBroker kafka;
  static Stepstream engine;
  static final Map<String, String> passwords = new HashMap<>();

  @BeforeAll
  @Timeout(300)
  static void start() throws Exception {
    kafka = SecuredBroker.start(dir);
    for (String user : List.of("engine", "client", "worker")) {
      passwords.put(user, SecuredBroker.randomPassword());
      kafka.addUser(user, passwords.get(user));
    }
    List<AclBinding> acls = new ArrayList<>();
    acls.addAll(StepstreamAcls.engine("User:engine", TOPICS, "sect-engine"));
    acls.addAll(StepstreamAcls.client("User:client", TOPICS));
    acls.addAll(StepstreamAcls.worker("User:worker", TOPICS, QUEUE));
    kafka.allow(acls);
    engine = Stepstream.builder()
        .kafkaProperties(kafka.clientProperties("engine", passwords.get("engine")))
        .topicPrefix(TOPICS.prefix())
        .applicationId("sect-engine")
        .stateDir(dir.resolve("engine-state"))
        .partitions(3)
        .approvalSecret("secured-task-worker-secret")
        .taskQueues(QUEUE)
        .register("shout", String.class, (ctx, text) ->
            ctx.task("shout", QUEUE, text, String.class, TaskOptions.defaults().withTimeout(Duration.ofMinutes(2))))
        .build()
        .start();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void theWorkerPrincipalTakesATaskThroughItsShareGroupAndTheRunEndsWithItsAnswer() throws Exception {
    Map<String, Object> worker = kafka.clientProperties("worker", passwords.get("worker"));
    try (Admin admin = Admin.create(worker)) { // AlterConfigs on its own group: the worker sets it up itself
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, GROUP), List.of(
          new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("share.isolation.level", "read_committed"), AlterConfigOp.OpType.SET)))).all().get();
    }
    try (WorkflowClient client = WorkflowClient.builder().kafkaProperties(kafka.clientProperties("client", passwords.get("client")))
            .topicPrefix(TOPICS.prefix()).build();
        KafkaShareConsumer<String, byte[]> tasks = new KafkaShareConsumer<>(shareConsumer(worker));
        KafkaProducer<String, byte[]> outcomes = new KafkaProducer<>(producer(worker));
        KafkaConsumer<String, byte[]> cancels = new KafkaConsumer<>(plainConsumer(worker))) {
      var run = client.start("shout", "shout-1", "hello");
      tasks.subscribe(List.of(TOPICS.tasks(QUEUE)));
      ConsumerRecord<String, byte[]> task = null;
      long until = System.currentTimeMillis() + 90_000;
      while (task == null && System.currentTimeMillis() < until) {
        for (ConsumerRecord<String, byte[]> r : tasks.poll(Duration.ofMillis(500))) {
          task = r;
        }
      }
      assertThat(task).as("a task record through the share group").isNotNull();
      JsonNode record = JSON.readTree(task.value());
      String answer = "{\"promiseId\":\"" + record.get("taskId").asText() + "\",\"data\":\""
          + record.get("input").asText().toUpperCase(java.util.Locale.ROOT) + "\"}";
      outcomes.send(new ProducerRecord<>(TOPICS.signals(), task.key(), answer.getBytes(StandardCharsets.UTF_8))).get();
      tasks.acknowledge(task, AcknowledgeType.ACCEPT);
      tasks.commitSync();

      assertThat(run.await(Duration.ofSeconds(60)).output(String.class)).isEqualTo("HELLO");

      List<TopicPartition> all = cancels.partitionsFor(TOPICS.taskCancels()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      cancels.assign(all);
      cancels.seekToEnd(all);
      cancels.poll(Duration.ofMillis(200)); // READ on the cancel notices, without a group
      assertThatThrownBy(() -> outcomes.send(new ProducerRecord<>(TOPICS.requests(), "x", new byte[] {1})).get())
          .as("a worker cannot start runs").hasRootCauseInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
    }
  }

  private static Map<String, Object> shareConsumer(Map<String, Object> base) {
    Map<String, Object> p = new HashMap<>(base);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put("share.acknowledgement.mode", "explicit");
    return p;
  }

  private static Map<String, Object> plainConsumer(Map<String, Object> base) {
    Map<String, Object> p = new HashMap<>(base);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return p;
  }

  private static Map<String, Object> producer(Map<String, Object> base) {
    Map<String, Object> p = new HashMap<>(base);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }
}
