package io.stepstream.internal.console;

import io.stepstream.avro.AuditEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit events of every run as they are committed, for the console's live updates: ONE
 * consumer per engine instance (read_committed, no group, every partition of {@code <prefix>.events}
 * from the end), started when the first browser connects, fanned out to a bounded number of
 * subscribers. Each subscriber has a bounded queue; one that falls behind is dropped (its stream
 * ends, the console reconnects and reloads what it shows) so a slow browser never holds up others.
 *
 * <pre>{@code
 * LiveEvents live = new LiveEvents(kafkaConfig, topics.events(), wire.reader()::auditEvent, 8);
 * try (LiveEvents.Subscription s = live.subscribe(Duration.ofSeconds(10))) {
 *   Map<String, Object> event = s.next(Duration.ofSeconds(15)); // null: nothing within 15 s (send a heartbeat)
 * }
 * }</pre>
 */
public final class LiveEvents implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveEvents.class);
  /** Events a subscriber may have unread before it is dropped. */
  static final int QUEUE = 2_000;

  private final Map<String, Object> kafkaConfig;
  private final String topic;
  private final Function<byte[], AuditEvent> decoder;
  private final int maxSubscribers;
  private final Set<Subscription> subscribers = new CopyOnWriteArraySet<>();
  private CountDownLatch positioned;
  private Thread thread;
  private KafkaConsumer<String, byte[]> consumer;
  private volatile boolean closed;

  public LiveEvents(Map<String, Object> kafkaConfig, String topic, Function<byte[], AuditEvent> decoder, int maxSubscribers) {
    this.kafkaConfig = Map.copyOf(kafkaConfig);
    this.topic = topic;
    this.decoder = decoder;
    this.maxSubscribers = maxSubscribers;
  }

  public int maxSubscribers() {
    return maxSubscribers;
  }

  public int subscribers() {
    return subscribers.size();
  }

  /**
   * A new subscriber, once the shared consumer is positioned at the end of the topic (so every
   * event committed after this returns is delivered).
   *
   * @throws TooManyStreams when {@link #maxSubscribers} are connected already
   * @throws IllegalStateException when the consumer is not positioned within {@code wait}
   */
  public Subscription subscribe(Duration wait) throws InterruptedException {
    Subscription s;
    CountDownLatch ready;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the engine is closing");
      }
      if (subscribers.size() >= maxSubscribers) {
        throw new TooManyStreams(maxSubscribers);
      }
      s = new Subscription();
      subscribers.add(s);
      ready = startOnce();
    }
    if (!ready.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      s.close();
      throw new IllegalStateException("the live events consumer of " + topic + " did not reach the end of the topic within " + wait);
    }
    return s;
  }

  /** Starts the consumer unless it runs; returns the latch that opens once it is positioned. */
  private CountDownLatch startOnce() {
    if (thread != null) {
      return positioned;
    }
    positioned = new CountDownLatch(1);
    Map<String, Object> c = new HashMap<>(kafkaConfig);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // only what the engine committed
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "stepstream-console-live-" + Integer.toHexString(System.identityHashCode(this)));
    c.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, not subscribed: no group, no offsets kept
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    KafkaConsumer<String, byte[]> started = consumer;
    CountDownLatch latch = positioned;
    thread = new Thread(() -> run(started, latch), "stepstream-console-live");
    thread.setDaemon(true);
    thread.start();
    return latch;
  }

  private void run(KafkaConsumer<String, byte[]> consumer, CountDownLatch positioned) {
    try {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // resolve "end" now, so subscribers miss nothing after subscribe() returns
      positioned.countDown();
      while (!closed) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
          if (subscribers.isEmpty() || r.value() == null) {
            continue;
          }
          Map<String, Object> event = describe(r);
          if (event != null) {
            subscribers.forEach(s -> s.offer(event));
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.warn("live events for the console stopped reading {}: {} (the console falls back to reloading)", topic, e.toString());
      }
    } finally {
      synchronized (this) {
        // a later subscribe() starts a fresh consumer (after a broker outage, say)
        thread = null;
        this.consumer = null;
      }
      subscribers.forEach(Subscription::end);
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private Map<String, Object> describe(ConsumerRecord<String, byte[]> r) {
    AuditEvent e;
    try {
      e = decoder.apply(r.value());
    } catch (RuntimeException ex) {
      LOG.debug("skipping an undecodable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), ex.toString());
      return null;
    }
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("runId", e.getRunId());
    event.put("type", e.getType().name());
    event.put("workflowType", e.getWorkflowType());
    event.put("step", e.getStep());
    event.put("attempt", e.getAttempt());
    event.put("timestamp", e.getTimestamp());
    event.put("detail", e.getDetail());
    return event;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (consumer != null) {
      consumer.wakeup();
    }
    subscribers.forEach(Subscription::end);
  }

  /** One browser's share of the events. */
  public final class Subscription implements AutoCloseable {
    private static final Map<String, Object> END = Map.of();
    private final BlockingQueue<Map<String, Object>> queue = new ArrayBlockingQueue<>(QUEUE);
    private volatile boolean ended;

    private void offer(Map<String, Object> event) {
      if (!queue.offer(event)) {
        LOG.info("a console live stream fell {} events behind and was dropped (it reconnects and reloads)", QUEUE);
        end();
      }
    }

    private void end() {
      ended = true;
      subscribers.remove(this);
      queue.clear();
      queue.offer(END);
    }

    /** The next event, or null when none came within {@code wait}. @throws Ended when the stream is over */
    public Map<String, Object> next(Duration wait) throws InterruptedException, Ended {
      Map<String, Object> event = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (event == END || (event == null && ended)) {
        throw new Ended();
      }
      return event;
    }

    @Override
    public void close() {
      subscribers.remove(this);
    }
  }

  /** The stream is over: the engine closes, the consumer stopped, or the subscriber fell behind. */
  public static final class Ended extends Exception {
    Ended() {
      super("live stream ended", null, false, false);
    }
  }

  /** All {@link #maxSubscribers} streams are taken. */
  public static final class TooManyStreams extends RuntimeException {
    TooManyStreams(int max) {
      super("this engine instance serves at most " + max + " live streams and all are open; the console reloads instead"
          + " (or connect to another instance)");
    }
  }
}
