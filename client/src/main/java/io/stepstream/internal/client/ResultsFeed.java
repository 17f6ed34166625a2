package io.stepstream.internal.client;

import io.stepstream.RunResult;
import io.stepstream.internal.codec.EnvelopeReader;
import io.stepstream.internal.codec.SchemaIds;
import io.stepstream.internal.codec.Results;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's results thread: reads the results topic (read_committed) from where it ended when the
 * client was created, and hands every result to the waiters and then to the listeners.
 *
 * <p>Partitions are assigned by hand (no consumer group: every client sees every result) and found
 * again while the thread runs, so a client created before the engine created its topics starts
 * reading them once they exist, and partitions added later are read too. Partitions found after
 * start-up are read from their beginning: everything on them was written after the client began.
 *
 * <p>A listener that throws is logged and the thread goes on: one bad listener must not stop every
 * other waiter of this client.
 *
 * <p>A principal that may not read the results topic (an approver's, say) still gets a client: the
 * feed does not run, and whatever needs results fails at once with {@link #denial()}, which names the
 * topic and the missing ACL. Wrong credentials fail the constructor.
 */
public final class ResultsFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResultsFeed.class);
  private static final Duration POLL = Duration.ofMillis(500);
  /** How often to look for the topic while it does not exist, and for new partitions once it does. */
  private static final long MISSING_TOPIC_CHECK_MS = 500;
  private static final long NEW_PARTITIONS_CHECK_MS = 30_000;

  private final String topic;
  private final EnvelopeReader reader;
  private final KafkaConsumer<String, byte[]> consumer;
  private final ResultWaiters waiters;
  private final List<Consumer<RunResult>> listeners;
  private final Set<TopicPartition> assigned = new HashSet<>();
  private final Map<String, Object> config;
  private final Thread thread;
  /** Why this principal cannot read the results topic; null if it can. */
  private final Throwable denied;
  private volatile boolean closed;
  private long nextPartitionCheck;
  private boolean warnedUndecodable;
  private final io.stepstream.internal.payloads.PayloadResolver payloads;

  public ResultsFeed(
      Map<String, Object> consumerConfig, String topic, EnvelopeReader reader, ResultWaiters waiters, List<Consumer<RunResult>> listeners,
      io.stepstream.internal.payloads.PayloadResolver payloads) {
    this.payloads = payloads;
    this.topic = topic;
    this.reader = reader;
    this.config = consumerConfig;
    this.consumer = Consumers.readCommitted(consumerConfig);
    this.waiters = waiters;
    this.listeners = listeners;
    // Resolve the end positions now, on the caller's thread: results committed from here on are ours.
    List<TopicPartition> found;
    try {
      found = partitions(Duration.ofSeconds(30));
    } catch (AuthorizationException e) {
      this.denied = e;
      this.thread = null;
      consumer.close(Duration.ZERO);
      LOG.info("{}; this client can still send what its principal may write", denial().getMessage());
      return;
    } catch (AuthenticationException e) {
      consumer.close(Duration.ZERO);
      throw AccessErrors.describe(e, consumerConfig, "READ", topic, "so no WorkflowClient was created");
    }
    this.denied = null;
    consumer.assign(found);
    consumer.seekToEnd(found);
    found.forEach(consumer::position);
    assigned.addAll(found);
    if (found.isEmpty()) {
      LOG.info("results topic {} does not exist yet; this client reads it as soon as it is created", topic);
    }
    nextPartitionCheck = System.currentTimeMillis() + (found.isEmpty() ? MISSING_TOPIC_CHECK_MS : NEW_PARTITIONS_CHECK_MS);
    this.thread = new Thread(this::run, "stepstream-client-results");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Why this client cannot receive results (its principal may not read the results topic), as an
   * exception to throw; null if it can.
   */
  public RuntimeException denial() {
    return denied == null ? null
        : AccessErrors.describe(denied, config, "READ", topic, "so this client cannot receive results (await, subscribe)");
  }

  private void run() {
    try {
      while (!closed) {
        try {
          if (System.currentTimeMillis() >= nextPartitionCheck) {
            addNewPartitions();
          }
          if (assigned.isEmpty()) {
            Thread.sleep(MISSING_TOPIC_CHECK_MS);
            continue;
          }
          for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
            deliver(record);
          }
        } catch (WakeupException e) {
          // closing
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          if (!closed) {
            LOG.warn("reading results from {} failed; retrying in 1 s", topic, e);
            sleepQuietly(1_000);
          }
        }
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void addNewPartitions() {
    List<TopicPartition> fresh = new ArrayList<>();
    for (TopicPartition tp : partitions(Duration.ofSeconds(5))) {
      if (!assigned.contains(tp)) {
        fresh.add(tp);
      }
    }
    if (!fresh.isEmpty()) {
      assigned.addAll(fresh);
      consumer.assign(assigned);
      consumer.seekToBeginning(fresh);
      LOG.info("reading results from {} new partition(s) of {}", fresh.size(), topic);
    }
    nextPartitionCheck = System.currentTimeMillis() + (assigned.isEmpty() ? MISSING_TOPIC_CHECK_MS : NEW_PARTITIONS_CHECK_MS);
  }

  private List<TopicPartition> partitions(Duration timeout) {
    List<TopicPartition> found = new ArrayList<>();
    var infos = consumer.partitionsFor(topic, timeout);
    if (infos != null) {
      infos.forEach(info -> found.add(new TopicPartition(topic, info.partition())));
    }
    return found;
  }

  private void deliver(ConsumerRecord<String, byte[]> record) {
    RunResult result;
    try {
      result = Results.toRunResult(decode(record), payloads);
    } catch (RuntimeException e) {
      if (!warnedUndecodable) { // the engine only writes valid results; say so once, then skip foreign records quietly
        warnedUndecodable = true;
        LOG.warn("skipping a record on {} that is not a WorkflowResult (partition {}, offset {}): {}",
            topic, record.partition(), record.offset(), e.getMessage());
      }
      return;
    }
    waiters.deliver(result);
    for (Consumer<RunResult> listener : listeners) {
      try {
        listener.accept(result);
      } catch (RuntimeException | StackOverflowError | LinkageError | AssertionError e) {
        LOG.warn("a result listener threw on the result of run {}; the client goes on", result.runId(), e);
      }
    }
  }

  /**
   * A result whose schema id is new to this client while the registry is down is not skipped (someone
   * may wait for it): the lookup is retried until the registry answers or the client closes.
   */
  private io.stepstream.avro.WorkflowResult decode(ConsumerRecord<String, byte[]> record) {
    boolean warned = false;
    while (true) {
      try {
        return reader.result(record.value());
      } catch (SchemaIds.RegistryUnavailableException e) {
        if (closed) {
          throw e;
        }
        if (!warned) {
          warned = true;
          LOG.warn("cannot read the result at {}-{}@{}: {}; retrying every second until the registry answers",
              topic, record.partition(), record.offset(), e.getMessage());
        }
        sleepQuietly(1_000);
      }
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    if (thread == null) {
      return; // never ran: its consumer is closed
    }
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
