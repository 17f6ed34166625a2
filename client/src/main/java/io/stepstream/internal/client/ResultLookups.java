package io.stepstream.internal.client;

import io.stepstream.RunResult;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.internal.codec.EnvelopeReader;
import io.stepstream.internal.codec.Results;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds results the {@link ResultsFeed} cannot deliver because they were committed before anyone
 * waited: on its own thread, reading only the partition a run id lives on (results and events are
 * keyed by run id and placed by Kafka's default partitioner), never keeping more than the runs that
 * are waited for.
 *
 * <ul>
 *   <li>{@link #lookUp}: an await for a run nobody was waiting for (and not in the recent cache).
 *       Reads the run's results partition from its beginning to its current end. Look-ups that
 *       arrive together share one read per partition.
 *   <li>{@link #watchStart}: this client sent a start request. A request for a run id that already
 *       exists starts nothing and gets no new result (exactly one result per run); the engine
 *       answers it with {@code DUPLICATE_REQUEST} on the events topic. If a start has no result
 *       after {@code startCheckDelay}, its events partition is read from shortly before the
 *       request was sent (by timestamp) until the engine's answer: {@code RUN_STARTED} stamped
 *       after the send (a new run: its result will come through the feed), {@code
 *       DUPLICATE_REQUEST} (look the existing result up), or a {@code RUN_STARTED} stamped before
 *       the send, which may be an earlier run with the same id (look up, to be sure). Runs that
 *       finish within the delay never cost a read.
 * </ul>
 *
 * <p>Event timestamps are the engine's clock, the send time is this client's: clocks more than
 * {@link #CLOCK_SKEW_MS} apart, or an engine clock ahead of this client's by more than the time
 * between an earlier run's start and this request, can make a duplicate go unnoticed (its await
 * then times out).
 */
public final class ResultLookups implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResultLookups.class);
  static final long CLOCK_SKEW_MS = 10_000;
  private static final Duration POLL = Duration.ofMillis(100);
  private static final long STUCK_SCAN_MS = 30_000;

  private final Map<String, Object> consumerConfig;
  private final String resultsTopic;
  private final String eventsTopic;
  private final EnvelopeReader reader;
  private final ResultWaiters waiters;
  private final long startCheckDelayMs;

  private final Set<String> lookups = ConcurrentHashMap.newKeySet();
  /** Starts without an answer yet: run id -> when this client sent the request (its clock). */
  private final Map<String, Long> starts = new ConcurrentHashMap<>();
  /** The same starts in the order they were sent, to find the ones that are due. */
  private final ConcurrentLinkedQueue<Start> sent = new ConcurrentLinkedQueue<>();

  // Owned by the thread.
  private final Map<Integer, Set<String>> watched = new HashMap<>();
  private KafkaConsumer<String, byte[]> resultsReader;
  private KafkaConsumer<String, byte[]> eventsReader;

  private final Thread thread;
  private volatile boolean closed;
  private final io.stepstream.internal.payloads.PayloadResolver payloads;

  private record Start(String runId, long sentAt) {}

  public ResultLookups(
      Map<String, Object> consumerConfig, String resultsTopic, String eventsTopic, EnvelopeReader reader, ResultWaiters waiters,
      Duration startCheckDelay, io.stepstream.internal.payloads.PayloadResolver payloads) {
    this.payloads = payloads;
    this.reader = reader;
    this.consumerConfig = consumerConfig;
    this.resultsTopic = resultsTopic;
    this.eventsTopic = eventsTopic;
    this.waiters = waiters;
    this.startCheckDelayMs = startCheckDelay.toMillis();
    this.thread = new Thread(this::run, "stepstream-client-lookups");
    thread.setDaemon(true);
    thread.start();
  }

  /** Looks the run's result up on the results topic (someone waits for it and it may have passed). */
  public void lookUp(String runId) {
    lookups.add(runId);
    LockSupport.unpark(thread);
  }

  /** This client sent a start request for {@code runId} at {@code sentAtMillis}. */
  public void watchStart(String runId, long sentAtMillis) {
    starts.put(runId, sentAtMillis);
    sent.add(new Start(runId, sentAtMillis));
  }

  private void run() {
    try {
      while (!closed) {
        try {
          moveDueStarts(System.currentTimeMillis());
          if (!lookups.isEmpty()) {
            lookUpResults();
          }
          if (watched.isEmpty()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
          } else {
            readEvents();
          }
        } catch (RuntimeException e) {
          if (!closed) {
            LOG.warn("looking results up failed; retrying in 1 s", e);
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
          }
        }
      }
    } finally {
      if (resultsReader != null) {
        resultsReader.close(Duration.ofSeconds(5));
      }
      if (eventsReader != null) {
        eventsReader.close(Duration.ofSeconds(5));
      }
    }
  }

  // ---- starts that may be duplicates ----

  private void moveDueStarts(long now) {
    Map<Integer, Long> newlyWatched = new HashMap<>();
    int partitions = -1;
    for (Start s = sent.peek(); s != null && s.sentAt() + startCheckDelayMs <= now; s = sent.peek()) {
      if (!stillUnanswered(s.runId(), s.sentAt())) {
        sent.poll();
        continue;
      }
      if (partitions < 0) {
        partitions = partitionCount(events(), eventsTopic);
        if (partitions == 0) {
          return; // no events topic (yet): no engine to answer; try again later
        }
      }
      sent.poll();
      int p = Consumers.partitionOf(s.runId(), partitions);
      if (watched.computeIfAbsent(p, k -> new HashSet<>()).add(s.runId()) && watched.get(p).size() == 1) {
        newlyWatched.merge(p, s.sentAt(), Math::min);
      }
    }
    if (!newlyWatched.isEmpty()) {
      startReading(newlyWatched);
    }
  }

  private boolean stillUnanswered(String runId, long sentAt) {
    Long current = starts.get(runId);
    if (current == null) {
      return false;
    }
    if (!waiters.isWaiting(runId)) {
      starts.remove(runId, current);
      return false;
    }
    return current == sentAt;
  }

  /** Adds partitions to the events reader, each from shortly before the oldest request it must answer. */
  private void startReading(Map<Integer, Long> oldestSentAt) {
    KafkaConsumer<String, byte[]> consumer = events();
    Set<TopicPartition> assignment = new HashSet<>(consumer.assignment());
    Map<TopicPartition, Long> from = new HashMap<>();
    oldestSentAt.forEach((p, sentAt) -> from.put(new TopicPartition(eventsTopic, p), sentAt - CLOCK_SKEW_MS));
    assignment.addAll(from.keySet());
    consumer.assign(assignment);
    Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(from, Duration.ofSeconds(10));
    for (TopicPartition tp : from.keySet()) {
      OffsetAndTimestamp at = offsets.get(tp);
      if (at == null) {
        consumer.seekToEnd(List.of(tp)); // nothing written since: the answer is still to come
      } else {
        consumer.seek(tp, at.offset());
      }
    }
  }

  private void readEvents() {
    KafkaConsumer<String, byte[]> consumer = events();
    for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
      Long sentAt = r.key() == null ? null : starts.get(r.key());
      if (sentAt == null || !waiters.isWaiting(r.key())) {
        continue;
      }
      AuditEvent event;
      try {
        event = reader.auditEvent(r.value());
      } catch (RuntimeException e) {
        continue;
      }
      if (r.timestamp() < sentAt - CLOCK_SKEW_MS) {
        continue;
      }
      if (event.getType() == AuditEventType.DUPLICATE_REQUEST) {
        starts.remove(r.key(), sentAt);
        lookups.add(r.key()); // the run existed already: its result may be long committed
      } else if (event.getType() == AuditEventType.RUN_STARTED) {
        starts.remove(r.key(), sentAt);
        if (r.timestamp() < sentAt) {
          // Stamped before the send: an earlier run with this id (then ours is a duplicate whose answer
          // comes later), or ours stamped with the engine's cached loop time. One look-up settles both.
          lookups.add(r.key());
        } // else a new run: its result comes through the feed
      }
    }
    stopReadingAnsweredPartitions(consumer);
  }

  private void stopReadingAnsweredPartitions(KafkaConsumer<String, byte[]> consumer) {
    boolean changed = false;
    for (var it = watched.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      e.getValue().removeIf(runId -> !starts.containsKey(runId) || !waiters.isWaiting(runId));
      if (e.getValue().isEmpty()) {
        it.remove();
        changed = true;
      }
    }
    if (changed) {
      Set<TopicPartition> keep = new HashSet<>();
      watched.keySet().forEach(p -> keep.add(new TopicPartition(eventsTopic, p)));
      consumer.assign(keep);
    }
  }

  // ---- results that passed before anyone waited ----

  private void lookUpResults() {
    List<String> runIds = new ArrayList<>();
    for (String runId : List.copyOf(lookups)) {
      lookups.remove(runId);
      if (waiters.isWaiting(runId)) {
        runIds.add(runId);
      }
    }
    if (runIds.isEmpty()) {
      return;
    }
    int partitions = partitionCount(results(), resultsTopic);
    if (partitions == 0) {
      return; // no results topic: nothing can have passed
    }
    Map<Integer, Set<String>> byPartition = new HashMap<>();
    runIds.forEach(id -> byPartition.computeIfAbsent(Consumers.partitionOf(id, partitions), p -> new HashSet<>()).add(id));
    byPartition.forEach(this::scan);
  }

  /** Reads one results partition from its beginning to its current end, delivering the results of {@code runIds}. */
  private void scan(int partition, Set<String> runIds) {
    KafkaConsumer<String, byte[]> consumer = results();
    TopicPartition tp = new TopicPartition(resultsTopic, partition);
    consumer.assign(List.of(tp));
    consumer.seekToBeginning(List.of(tp));
    long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
    long lastProgress = System.currentTimeMillis();
    long position = consumer.position(tp);
    while (position < end && !runIds.isEmpty() && !closed) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
        if (r.key() != null && runIds.contains(r.key())) {
          try {
            waiters.deliver(Results.toRunResult(reader.result(r.value()), payloads));
            runIds.remove(r.key());
          } catch (RuntimeException e) {
            LOG.warn("skipping an undecodable record for run {} on {}: {}", r.key(), tp, e.getMessage());
          }
        }
      }
      long now = consumer.position(tp);
      if (now > position) {
        position = now;
        lastProgress = System.currentTimeMillis();
      } else if (System.currentTimeMillis() - lastProgress > STUCK_SCAN_MS) {
        LOG.warn("gave up looking up results on {} at offset {} of {}: no progress for {} s", tp, position, end, STUCK_SCAN_MS / 1000);
        return;
      }
    }
  }

  private static int partitionCount(KafkaConsumer<String, byte[]> consumer, String topic) {
    var infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
    return infos == null ? 0 : infos.size();
  }

  private KafkaConsumer<String, byte[]> results() {
    if (resultsReader == null) {
      resultsReader = Consumers.readCommitted(consumerConfig);
    }
    return resultsReader;
  }

  private KafkaConsumer<String, byte[]> events() {
    if (eventsReader == null) {
      eventsReader = Consumers.readCommitted(consumerConfig);
    }
    return eventsReader;
  }

  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
