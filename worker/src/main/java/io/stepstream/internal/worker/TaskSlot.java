package io.stepstream.internal.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.stepstream.worker.NonRetryableTaskException;
import io.stepstream.worker.Task;
import io.stepstream.worker.TaskHandler;

/**
 * One share consumer and the {@code width} handler threads it feeds. It acquires up to {@code width}
 * task records per poll ({@code share.acquire.mode=record_limit}, {@code max.poll.records=width}), runs
 * them at once, and acknowledges each as soon as its outcome is published. In explicit mode poll()
 * refuses to run while records of the previous poll are unacknowledged, so the consumer polls again
 * when its whole batch is done: a long task keeps its batch-mates' threads idle until it ends. Fewer,
 * wider consumers cost the broker far less than one consumer per thread (each share-group member
 * has its own fetches and heartbeats); {@code TaskWorker.Builder.consumers} chooses.
 */
final class TaskSlot implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(TaskSlot.class);
  private static final Duration POLL = Duration.ofMillis(200);

  private final String name;
  private final KafkaShareConsumer<String, byte[]> consumer;
  private final String topic;
  private final TaskHandler handler;
  private final OutcomePublisher publisher;
  private final RunningTasks running;
  private final ScheduledExecutorService heartbeats;
  private final java.util.concurrent.ExecutorService handlers;
  private volatile boolean stopping;
  private boolean lockDurationReported;
  private boolean renewRefused;

  TaskSlot(String name, int width, Map<String, Object> clientSettings, String groupId, String topic, TaskHandler handler,
       OutcomePublisher publisher, RunningTasks running, ScheduledExecutorService heartbeats) {
    Map<String, Object> props = new HashMap<>(clientSettings);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
    props.put("share.acknowledgement.mode", "explicit");
    props.put("share.acquire.mode", "record_limit");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, width);
    this.consumer = new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.name = name;
    this.topic = topic;
    this.handler = handler;
    this.publisher = publisher;
    this.running = running;
    this.heartbeats = heartbeats;
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    this.handlers = java.util.concurrent.Executors.newFixedThreadPool(width, r -> {
      Thread t = new Thread(r, name + "-" + n.getAndIncrement());
      t.setDaemon(true);
      return t;
    });
  }

  /** A record whose processing ended, and the acknowledgement it deserves. */
  private record Done(ConsumerRecord<String, byte[]> record, AcknowledgeType ack) {}

  @Override
  public void run() {
    try {
      consumer.subscribe(java.util.List.of(topic));
      while (!stopping) {
        var records = consumer.poll(POLL);
        if (!records.isEmpty()) {
          reportLockDuration();
        }
        java.util.concurrent.BlockingQueue<Done> done = new java.util.concurrent.LinkedBlockingQueue<>();
        Map<Long, ConsumerRecord<String, byte[]>> running = new HashMap<>(); // by offset: one topic, see start()
        for (ConsumerRecord<String, byte[]> record : records) {
          start(record, done, running);
        }
        java.util.List<Done> acknowledged = new java.util.ArrayList<>();
        long renewAt = System.currentTimeMillis() + renewEveryMs();
        while (!running.isEmpty()) { // the consumer is not thread-safe: only this thread acknowledges
          Done d = done.poll(Math.max(0, renewAt - System.currentTimeMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
          if (d == null) {
            renew(running, done); // a task running longer than the acquisition lock keeps it
            renewAt = System.currentTimeMillis() + renewEveryMs();
            continue;
          }
          running.remove(key(d.record()));
          if (acknowledge(d)) {
            acknowledged.add(d);
          }
        }
        if (!acknowledged.isEmpty()) {
          // one commit per batch: each commit is a write of the share group's state on the broker
          report(consumer.commitSync(Duration.ofSeconds(30)), acknowledged);
        }
      }
    } catch (InterruptedException | InterruptException e) {
      Thread.interrupted();
      log.debug("{}: interrupted, closing", name);
    } catch (RuntimeException e) {
      log.error("{}: stopped by an unexpected error; its unacknowledged tasks (if any) are redelivered after the lock expires", name, e);
    } finally {
      Thread.interrupted();
      handlers.shutdownNow();
      consumer.close(Duration.ofSeconds(10)); // anything still acquired and not acknowledged is released
    }
  }

  private void start(ConsumerRecord<String, byte[]> record, java.util.concurrent.BlockingQueue<Done> done,
      Map<Long, ConsumerRecord<String, byte[]>> running) {
    running.put(key(record), record);
    handlers.execute(() -> done.add(new Done(record, stopping ? AcknowledgeType.RELEASE : processSafely(record))));
  }

  /** Records of this consumer, told apart by partition and offset (the consumer reads one topic). */
  private static long key(ConsumerRecord<String, byte[]> record) {
    return ((long) record.partition() << 48) ^ record.offset();
  }

  /** False if the consumer no longer holds the record (its lock was lost): the task may be delivered again. */
  private boolean acknowledge(Done d) {
    try {
      consumer.acknowledge(d.record(), d.ack());
      return true;
    } catch (IllegalStateException e) {
      log.warn("{}[{}]@{}: could not be acknowledged {} ({}); its lock was lost, so it may be delivered again (a second outcome is ignored)",
          d.record().topic(), d.record().partition(), d.record().offset(), d.ack(), e.getMessage());
      return false;
    }
  }

  /** Half the broker's acquisition lock (30 s unless the group or broker says otherwise). */
  private long renewEveryMs() {
    return Math.max(1_000, consumer.acquisitionLockTimeoutMs().map(ms -> ms / 2L).orElse(15_000L));
  }

  /**
   * Extends the acquisition lock of the tasks still running (KIP-1222's RENEW, explicit mode): each is
   * acknowledged RENEW and committed, and the next poll hands the renewed records back as in flight, so
   * they can be acknowledged for good when their handlers end. A record that poll returns and that is
   * not running here is a new task: it starts like any other. If the broker or client refuses, renewal
   * stops for this consumer and a task running past the lock may also be delivered to another worker
   * (the first outcome wins).
   */
  private void renew(Map<Long, ConsumerRecord<String, byte[]>> running, java.util.concurrent.BlockingQueue<Done> done) {
    if (renewRefused) {
      return;
    }
    try {
      running.values().forEach(r -> consumer.acknowledge(r, AcknowledgeType.RENEW));
      consumer.commitSync(Duration.ofSeconds(30)).forEach((partition, error) -> error.ifPresent(e -> log.warn(
          "{}: the broker did not renew the lock of {} running task(s) on {} ({})", name, running.size(), partition, e.toString())));
      for (ConsumerRecord<String, byte[]> back : consumer.poll(Duration.ZERO)) {
        if (!running.containsKey(key(back))) {
          start(back, done, running);
        }
      }
      log.debug("{}: renewed the locks of {} running task(s)", name, running.size());
    } catch (RuntimeException e) {
      renewRefused = true;
      log.warn("{}: cannot renew acquisition locks ({}); tasks running longer than the lock may also be delivered to another worker",
          name, e.toString());
    }
  }

  /** {@link #process}, never throwing: a handler thread must always report back, or its batch would never end. */
  private AcknowledgeType processSafely(ConsumerRecord<String, byte[]> record) {
    try {
      return process(record);
    } catch (RuntimeException e) {
      log.error("{}[{}]@{}: unexpected error around the handler; RELEASEd for another delivery", record.topic(), record.partition(),
          record.offset(), e);
      return AcknowledgeType.RELEASE;
    } finally {
      Thread.interrupted(); // a handler interrupted by close() leaves its pool thread clean
    }
  }

  /** Runs one task record; the acknowledgement it deserves. */
  private AcknowledgeType process(ConsumerRecord<String, byte[]> record) {
    Task task;
    try {
      task = TaskRecords.decode(record.value());
    } catch (IllegalArgumentException e) {
      log.error("{}[{}]@{} (key {}): not a task record ({}); REJECTed, it will not be delivered again",
          record.topic(), record.partition(), record.offset(), record.key(), e.getMessage());
      return AcknowledgeType.REJECT;
    }
    Optional<Instant> deadline = task.deadline();
    if (deadline.isPresent() && deadline.get().isBefore(Instant.now())) {
      log.warn("{}: received after its deadline {} (the engine already timed it out); skipped", task, deadline.get());
      return AcknowledgeType.ACCEPT;
    }
    if (running.wasCancelled(task.taskId())) {
      log.info("{}: already cancelled by the engine; skipped", task);
      return AcknowledgeType.ACCEPT;
    }
    return execute(task, record);
  }

  private AcknowledgeType execute(Task task, ConsumerRecord<String, byte[]> record) {
    RunningTask ctx = new RunningTask(task, publisher);
    running.add(ctx);
    ScheduledFuture<?> beats = task.heartbeatTimeout()
        .map(timeout -> Math.max(1, timeout.toMillis() / 3))
        .map(every -> heartbeats.scheduleAtFixedRate(ctx::heartbeat, every, every, TimeUnit.MILLISECONDS))
        .orElse(null);
    log.info("{}: started on {} ({}[{}]@{}, delivery {})", task, name, record.topic(), record.partition(), record.offset(),
        record.deliveryCount().map(String::valueOf).orElse("?"));
    Object result;
    Exception failure = null;
    try {
      result = handler.handle(task, ctx);
    } catch (Exception e) {
      result = null;
      failure = e;
    } finally {
      if (beats != null) {
        beats.cancel(false);
      }
      running.remove(ctx);
    }
    if (stopping && (failure instanceof InterruptedException || Thread.currentThread().isInterrupted())) {
      log.info("{}: interrupted by close(); RELEASEd for another worker", task);
      return AcknowledgeType.RELEASE;
    }
    Thread.interrupted();
    return publish(task, result, failure);
  }

  /** Publishes the outcome and waits for its acknowledgement: ACCEPT only then, else RELEASE (another worker retries). */
  private AcknowledgeType publish(Task task, Object result, Exception failure) {
    try {
      if (failure == null) {
        try {
          publisher.success(task.taskId(), result);
        } catch (IllegalArgumentException notJson) {
          failure = new NonRetryableTaskException("UNSERIALIZABLE_RESULT", notJson.getMessage());
        }
      }
      if (failure instanceof NonRetryableTaskException nonRetryable) {
        publisher.failure(task.taskId(), nonRetryable.type(), String.valueOf(nonRetryable.getMessage()), true);
      } else if (failure != null) {
        publisher.failure(task.taskId(), failure.getClass().getSimpleName(), String.valueOf(failure.getMessage()), false);
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.error("{}: the outcome could not be published ({}); RELEASEd for another delivery", task, e.toString());
      return AcknowledgeType.RELEASE;
    }
    log.info("{}: {} published", task, failure == null ? "result" : "failure " + describe(failure));
    return AcknowledgeType.ACCEPT;
  }

  private static String describe(Exception failure) {
    return failure instanceof NonRetryableTaskException n ? n.type() + " (non-retryable)" : failure.getClass().getSimpleName();
  }

  private void report(Map<TopicIdPartition, Optional<KafkaException>> commits, java.util.List<Done> batch) {
    commits.forEach((partition, error) -> error.ifPresent(e -> log.warn(
        "{}: the broker did not take the acknowledgements of {} task(s) on {} ({}); if their lock had expired, another worker may "
            + "run them again (their outcomes would be ignored)", name, batch.size(), partition, e.toString())));
  }

  /** Tasks that run longer than the acquisition lock are redelivered while still running: say so once. */
  private void reportLockDuration() {
    if (!lockDurationReported) {
      lockDurationReported = true;
      consumer.acquisitionLockTimeoutMs().ifPresent(ms -> log.info(
          "{}: the broker locks a task for {} ms; a handler running longer may see it redelivered to another worker", name, ms));
    }
  }

  /** Asks the loop to stop; running handlers are interrupted (their tasks are RELEASEd, not failed). */
  void stop() {
    stopping = true;
    for (Runnable notStarted : handlers.shutdownNow()) {
      notStarted.run(); // reports RELEASE at once (stopping), so the loop's batch ends
    }
  }
}
