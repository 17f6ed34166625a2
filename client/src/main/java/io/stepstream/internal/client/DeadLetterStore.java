package io.stepstream.internal.client;

import io.stepstream.avro.DeadLetter;
import io.stepstream.client.DeadLetterPage;
import io.stepstream.client.DeadLetterQuery;
import io.stepstream.client.DeadLetterRef;
import io.stepstream.client.DeadLetterView;
import io.stepstream.client.RedriveResult;
import io.stepstream.client.Topics;
import io.stepstream.internal.codec.EnvelopeReader;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.ExternalInputDecoder;
import io.stepstream.internal.codec.RedriveHeaders;
import io.stepstream.internal.codec.RequestDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The DLQ for tools (ADR 0016): lists it newest first (read_committed, from the topic's start to its
 * current end: meant for operators, not hot paths; the topic's retention bounds it) and redrives
 * dead letters: the original key and value go back to their source topic with {@link
 * RedriveHeaders} naming the dead letter and who redrove it, and a marker record in the DLQ
 * remembers that it was redriven.
 */
public final class DeadLetterStore {
  static final String STREAMS_EXCEPTION = "__streams.errors.exception";
  static final String STREAMS_MESSAGE = "__streams.errors.message";
  static final String STREAMS_TOPIC = "__streams.errors.topic";
  static final String STREAMS_PARTITION = "__streams.errors.partition";
  static final String STREAMS_OFFSET = "__streams.errors.offset";
  static final String ERROR_TYPE = "stepstream.error.type";
  private static final int MAX_TEXT = 4_000;
  private static final Comparator<DeadLetterView> NEWEST_FIRST = Comparator.comparingLong(DeadLetterView::failedAt).reversed()
      .thenComparingInt(DeadLetterView::partition).thenComparing(Comparator.comparingLong(DeadLetterView::offset).reversed());

  private final Map<String, Object> clientConfig;
  private final Topics topics;
  private final EnvelopeReader reader;
  private final KafkaProducer<String, byte[]> producer;

  public DeadLetterStore(Map<String, Object> clientConfig, Topics topics, EnvelopeReader reader, KafkaProducer<String, byte[]> producer) {
    this.clientConfig = clientConfig;
    this.topics = topics;
    this.reader = reader;
    this.producer = producer;
  }

  public DeadLetterPage list(DeadLetterQuery query, Duration timeout) {
    List<ConsumerRecord<String, byte[]>> records = readDlq(timeout);
    Set<String> redriven = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      String marker = RedriveHeaders.text(r.headers(), RedriveHeaders.MARKER);
      if (marker != null) {
        redriven.add(marker);
      }
    }
    List<DeadLetterView> views = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      if (RedriveHeaders.text(r.headers(), RedriveHeaders.MARKER) != null) {
        continue;
      }
      DeadLetterView view = view(r, redriven.contains(r.partition() + "@" + r.offset()));
      if ((query.runId() == null || query.runId().equals(view.runId())) && (query.code() == null || query.code().equals(view.errorType()))) {
        views.add(view);
      }
    }
    views.sort(NEWEST_FIRST);
    int from = 0;
    if (query.cursor() != null) {
      Cursor after = Cursor.parse(query.cursor());
      while (from < views.size() && !after.isBefore(views.get(from))) {
        from++;
      }
    }
    List<DeadLetterView> page = views.subList(from, Math.min(views.size(), from + query.limit()));
    String next = from + page.size() < views.size() ? Cursor.of(page.get(page.size() - 1)) : null;
    return new DeadLetterPage(page, next);
  }

  /** Redrives each dead letter it can, as {@code requestedBy}; refuses the others with the reason. */
  public RedriveResult redrive(List<DeadLetterRef> refs, String requestedBy, Duration timeout) {
    List<RedriveResult.Redriven> done = new ArrayList<>();
    List<RedriveResult.Refused> refused = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(clientConfig)) {
      for (DeadLetterRef ref : refs) {
        ConsumerRecord<String, byte[]> r = fetch(consumer, ref, timeout);
        if (r == null) {
          refused.add(new RedriveResult.Refused(ref.partition(), ref.offset(), "no dead letter at " + topics.deadLetters() + "-" + ref
              + " (a committed record there may have expired, or the offset is wrong; `stepstream dlq list` shows them)"));
          continue;
        }
        DeadLetterView view = view(r, false);
        if (!view.redrivable()) {
          refused.add(new RedriveResult.Refused(ref.partition(), ref.offset(), view.notRedrivable()));
          continue;
        }
        DeadLetter letter = reader.deadLetter(r.value());
        byte[] key = bytes(letter.getKey());
        Headers headers = new RecordHeaders();
        RedriveHeaders.add(headers, RedriveHeaders.FROM, topics.deadLetters() + "-" + ref);
        RedriveHeaders.add(headers, RedriveHeaders.BY, requestedBy == null ? "unknown" : requestedBy);
        String keyText = key == null ? null : new String(key, StandardCharsets.UTF_8);
        send(new ProducerRecord<>(letter.getSourceTopic(), null, keyText, bytes(letter.getValue()), headers), timeout);
        Headers marker = new RecordHeaders();
        RedriveHeaders.add(marker, RedriveHeaders.MARKER, ref.toString());
        RedriveHeaders.add(marker, RedriveHeaders.BY, requestedBy == null ? "unknown" : requestedBy);
        send(new ProducerRecord<>(topics.deadLetters(), ref.partition(), keyText, null, marker), timeout);
        done.add(new RedriveResult.Redriven(ref.partition(), ref.offset(), letter.getSourceTopic()));
      }
    }
    return new RedriveResult(done, refused);
  }

  private void send(ProducerRecord<String, byte[]> record, Duration timeout) {
    try {
      producer.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "WRITE", record.topic(), "so the dead letter was not redriven",
          new IllegalStateException("could not write to " + record.topic() + " while redriving: " + e, e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while redriving to " + record.topic(), e);
    }
  }

  private ConsumerRecord<String, byte[]> fetch(KafkaConsumer<String, byte[]> consumer, DeadLetterRef ref, Duration timeout) {
    TopicPartition tp = new TopicPartition(topics.deadLetters(), ref.partition());
    if (consumer.partitionsFor(topics.deadLetters(), timeout).stream().noneMatch(p -> p.partition() == ref.partition())) {
      return null;
    }
    consumer.assign(List.of(tp));
    long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
    if (ref.offset() < 0 || ref.offset() >= end) {
      return null;
    }
    consumer.seek(tp, ref.offset());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && consumer.position(tp) <= ref.offset()) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (r.offset() == ref.offset()) {
          return r;
        }
        if (r.offset() > ref.offset()) {
          return null; // not a (committed) record there
        }
      }
    }
    return null;
  }

  private List<ConsumerRecord<String, byte[]>> readDlq(Duration timeout) {
    try {
      return TopicScanner.readAll(clientConfig, topics.deadLetters(), -1, timeout);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "READ", topics.deadLetters(), "so dead letters cannot be listed", e);
    }
  }

  /** A DLQ record as shown, with why it cannot be redriven (null if it can). */
  DeadLetterView view(ConsumerRecord<String, byte[]> r, boolean redriven) {
    Headers h = r.headers();
    if (h.lastHeader(ERROR_TYPE) == null) {
      // Kafka Streams' own handler: the original record, unchanged, with __streams.errors.* headers
      String topic = text(h, STREAMS_TOPIC);
      return new DeadLetterView(r.partition(), r.offset(), null, orElse(text(h, STREAMS_EXCEPTION), "UNKNOWN"),
          orElse(text(h, STREAMS_MESSAGE), "(no message)"), topic, parseInt(text(h, STREAMS_PARTITION)), parseLong(text(h, STREAMS_OFFSET)),
          r.timestamp(), r.key(), valueText(r.value(), topic), encoding(r.value(), topic), r.value() == null ? 0 : r.value().length,
          redriven, "a dead letter of Kafka Streams' own error handler (an error outside the engine's per-record handling), not the"
              + " engine's: it is not redriven automatically; look at its __streams.errors.* headers and the engine log, and produce"
              + " its value to " + (topic == null ? "its source topic" : topic) + " yourself once the cause is fixed");
    }
    DeadLetter letter;
    try {
      letter = reader.deadLetter(r.value());
    } catch (RuntimeException e) {
      return new DeadLetterView(r.partition(), r.offset(), null, text(h, ERROR_TYPE), orElse(text(h, "stepstream.error.message"), ""),
          text(h, "stepstream.error.topic"), parseInt(text(h, "stepstream.error.partition")), parseLong(text(h, "stepstream.error.offset")),
          r.timestamp(), r.key(), null, null, 0, redriven, "its DeadLetter envelope does not decode here (" + e.getMessage()
              + "); read it with the engine version that wrote it");
    }
    byte[] value = bytes(letter.getValue());
    String source = letter.getSourceTopic();
    return new DeadLetterView(r.partition(), r.offset(), letter.getRunId(), letter.getErrorType(), letter.getErrorMessage(), source,
        letter.getPartition(), letter.getOffset(), letter.getFailedAt(), letter.getKey() == null ? r.key()
            : new String(bytes(letter.getKey()), StandardCharsets.UTF_8), valueText(value, source), encoding(value, source),
        value == null ? 0 : value.length, redriven, notRedrivable(letter, value));
  }

  private String notRedrivable(DeadLetter letter, byte[] value) {
    if (letter.getErrorType().startsWith("EMIT_")) {
      return "a record a workflow emitted that the engine could not write to " + letter.getSourceTopic()
          + " (" + letter.getErrorType() + "); the engine does not take it back: produce its value to that topic yourself if it is"
          + " still wanted, after fixing the cause";
    }
    if (value == null) {
      return "its value was not kept (too large for a dead letter, see header stepstream.error.value-omitted); produce the"
          + " original from " + letter.getSourceTopic() + "-" + letter.getPartition() + "@" + letter.getOffset() + " while the topic keeps it";
    }
    if (!Set.of(topics.requests(), topics.approvals(), topics.signals()).contains(letter.getSourceTopic())) {
      return "it came from " + (letter.getSourceTopic().isEmpty() ? "no topic" : letter.getSourceTopic()) + "; only records of "
          + topics.requests() + ", " + topics.approvals() + " and " + topics.signals() + " are redriven (step outcomes are the"
          + " engine's own and written again by their run)";
    }
    return null;
  }

  private String encoding(byte[] value, String topic) {
    if (value == null) {
      return null;
    }
    if (looksLikeJson(value)) {
      return "json";
    }
    return decodeAvro(value, topic) != null ? "avro" : "bytes";
  }

  private String valueText(byte[] value, String topic) {
    if (value == null) {
      return null;
    }
    String text;
    if (looksLikeJson(value)) {
      text = new String(value, StandardCharsets.UTF_8);
    } else {
      Object decoded = decodeAvro(value, topic);
      text = decoded != null ? decoded.toString() : "<" + value.length + " bytes>";
    }
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "... (cut)";
  }

  private Object decodeAvro(byte[] value, String topic) {
    if (!Envelopes.looksLikeAvro(value) && !EnvelopeReader.isRegistryFramed(value)) {
      return null;
    }
    try {
      if (topics.approvals().equals(topic)) {
        return ExternalInputDecoder.decision(value, reader);
      }
      if (topics.signals().equals(topic)) {
        return ExternalInputDecoder.signal(value, reader);
      }
      if (topics.requests().equals(topic)) {
        RequestDecoder.Inbound inbound = RequestDecoder.decodeInbound(value, reader);
        return inbound instanceof RequestDecoder.Start s ? s.request() : ((RequestDecoder.Command) inbound).command();
      }
    } catch (RuntimeException e) {
      return null;
    }
    return null;
  }

  private static boolean looksLikeJson(byte[] value) {
    for (byte b : value) {
      if (!Character.isWhitespace(b)) {
        return b == '{' || b == '[' || b == '"';
      }
    }
    return false;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static String text(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static String orElse(String s, String other) {
    return s == null ? other : s;
  }

  private static int parseInt(String s) {
    try {
      return s == null ? -1 : Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long parseLong(String s) {
    try {
      return s == null ? -1 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Where a page ended: the last dead letter's sort key, {@code <failedAt>.<partition>.<offset>}. */
  private record Cursor(long failedAt, int partition, long offset) {
    static String of(DeadLetterView v) {
      return v.failedAt() + "." + v.partition() + "." + v.offset();
    }

    static Cursor parse(String text) {
      String[] parts = text.split("\\.");
      try {
        return new Cursor(Long.parseLong(parts[0]), Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("not a dead-letter cursor: '" + text + "'; pass a nextCursor as it was returned");
      }
    }

    /** True if {@code v} comes after this cursor in newest-first order. */
    boolean isBefore(DeadLetterView v) {
      DeadLetterView self = new DeadLetterView(partition, offset, null, null, null, null, 0, 0, failedAt, null, null, null, 0, false, null);
      return NEWEST_FIRST.compare(self, v) < 0;
    }
  }
}
