package io.stepstream.internal.worker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code <prefix>.task-cancels} (every partition, from its end, read_committed, no group) and cancels the
 * tasks this worker holds. Until the engine has created the topic it looks again every few seconds.
 */
final class CancelWatcher implements Runnable, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CancelWatcher.class);

  private final ObjectMapper json = new ObjectMapper();
  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;
  private final RunningTasks tasks;
  private final CountDownLatch positioned = new CountDownLatch(1);
  private volatile boolean stopping;

  CancelWatcher(Map<String, Object> clientSettings, String topic, String clientId, RunningTasks tasks) {
    Map<String, Object> props = new HashMap<>(clientSettings);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.topic = topic;
    this.tasks = tasks;
  }

  /** Waits until the watcher reads from the end of every partition (or found no topic yet). */
  boolean awaitPositioned(Duration timeout) throws InterruptedException {
    return positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void run() {
    try {
      assignAtEnd();
      while (!stopping) {
        for (ConsumerRecord<String, byte[]> notice : consumer.poll(Duration.ofMillis(500))) {
          handle(notice);
        }
      }
    } catch (WakeupException | InterruptException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("cancel notices of {}: the reader stopped; running tasks will not see cancellations", topic, e);
    } finally {
      positioned.countDown();
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void assignAtEnd() throws WakeupException {
    boolean reported = false;
    while (!stopping) {
      List<PartitionInfo> partitions;
      try {
        partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        partitions = List.of();
      }
      if (partitions != null && !partitions.isEmpty()) {
        List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(assigned);
        consumer.seekToEnd(assigned);
        assigned.forEach(consumer::position); // resolve "end" now: notices written after this are seen
        log.info("reading cancel notices from the end of {} ({} partitions)", topic, assigned.size());
        positioned.countDown();
        return;
      }
      if (!reported) {
        log.info("{} does not exist yet (the engine creates it when a task queue is declared); looking again every 5 s", topic);
        reported = true;
        positioned.countDown();
      }
      sleepQuietly(5_000);
    }
  }

  private void handle(ConsumerRecord<String, byte[]> notice) {
    String taskId = notice.key();
    String reason = "?";
    try {
      JsonNode value = notice.value() == null ? null : json.readTree(new String(notice.value(), StandardCharsets.UTF_8));
      if (value != null) {
        taskId = taskId != null ? taskId : value.path("taskId").asText(null);
        reason = value.path("reason").asText("?");
      }
    } catch (java.io.IOException e) {
      log.warn("{}[{}]@{}: a cancel notice that is not JSON; using its key only", notice.topic(), notice.partition(), notice.offset());
    }
    if (taskId != null && tasks.cancel(taskId)) {
      log.info("task {} cancelled by the engine ({}): its handler sees isCancelled()", taskId, reason);
    }
  }

  private void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    }
  }

  @Override
  public void close() {
    stopping = true;
    consumer.wakeup();
  }
}
