package io.stepstream.internal.codec;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.Signal;
import io.stepstream.client.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.Headers;

/**
 * The wire format of one engine or client: encoders for what it writes to public topics, in its
 * {@link WireFormat}, and a reader for all three formats. Internal data (stores, changelogs, step
 * outcomes) never goes through here: it is always single-object ({@link Envelopes}).
 *
 * <pre>{@code
 * WireCodec wire = WireCodec.create(WireFormat.JSON, kafkaProperties);
 * byte[] value = wire.encoder(topics.results(), WorkflowResult.class).encode(result, headers);
 * WorkflowResult back = wire.reader().result(value);
 * }</pre>
 *
 * <p>Schema-registry subjects follow Confluent's TopicNameStrategy, {@code <topic>-value}, except
 * {@code RunCommand}: it shares the requests topic with {@code WorkflowRequest}, so it goes under
 * {@code <topic>-io.stepstream.avro.RunCommand} (TopicRecordNameStrategy) and the topic's value
 * subject keeps one type.
 */
public final class WireCodec implements AutoCloseable {
  static {
    AvroTrust.ensureInstalled(); // the generated envelope classes are instantiated here
  }

  private static final WireCodec SINGLE_OBJECT = new WireCodec(WireFormat.AVRO_SINGLE_OBJECT, null, null);

  /** Types filed under {@code <topic>-<full name>}: the second type of a topic. */
  private static final Set<String> RECORD_NAME_SUBJECTS = Set.of(RunCommand.getClassSchema().getFullName());

  /**
   * The input envelopes' JSON forms are the ones the engine has always accepted (RequestDecoder,
   * ExternalInputDecoder): a few fields are named differently there, and engine-only flags are left out.
   */
  private static final Map<String, Map<String, String>> INPUT_FORMS = inputForms();

  /**
   * The engine looks up ids of registry-framed inputs on a stream thread, inside a transaction that
   * the broker aborts after about 5 s: its reader gives up on a silent registry much sooner (then
   * the record is dead-lettered as SCHEMA_REGISTRY_UNAVAILABLE and the registry is not asked again
   * for a while, ADR 0009). Longer timeouts in the properties are capped to these; shorter ones kept.
   */
  static final Map<String, Long> ENGINE_READER_TIMEOUTS = Map.of("http.connect.timeout.ms", 1000L, "http.read.timeout.ms", 2000L);

  private final WireFormat format;
  private final SchemaIds registry;
  private final SchemaIds readerRegistry;
  private final EnvelopeReader reader;
  private final Map<String, EnvelopeEncoder<?>> encoders = new ConcurrentHashMap<>();

  private WireCodec(WireFormat format, SchemaIds registry, SchemaIds readerRegistry) {
    this.format = format;
    this.registry = registry;
    this.readerRegistry = readerRegistry;
    this.reader = readerRegistry == null ? EnvelopeReader.withoutRegistry() : new EnvelopeReader(readerRegistry);
  }

  /** Writes single-object Avro and reads single-object and JSON: what every engine and client did before there was a choice. */
  public static WireCodec singleObject() {
    return SINGLE_OBJECT;
  }

  /**
   * Writes {@code format}; reads all three, registry-framed records only when {@code kafkaProperties}
   * name a registry ({@value WireFormat#REGISTRY_URL}).
   *
   * @throws IllegalStateException for {@link WireFormat#SCHEMA_REGISTRY} without a registry URL
   */
  public static WireCodec create(WireFormat format, Map<String, ?> kafkaProperties) {
    SchemaIds registry = WireFormat.defaultFor(kafkaProperties) == WireFormat.SCHEMA_REGISTRY ? RegistrySchemaIds.create(kafkaProperties) : null;
    return withRegistry(format, registry);
  }

  /**
   * Same as {@link #create}, for an engine: its reader (inputs, on stream threads) waits for the
   * registry at most {@link #ENGINE_READER_TIMEOUTS} unless the properties set those timeouts.
   */
  public static WireCodec forEngine(WireFormat format, Map<String, ?> kafkaProperties) {
    if (WireFormat.defaultFor(kafkaProperties) != WireFormat.SCHEMA_REGISTRY) {
      return withRegistry(format, null);
    }
    Map<String, Object> readerProperties = new HashMap<>(kafkaProperties);
    ENGINE_READER_TIMEOUTS.forEach((key, cap) -> readerProperties.put(key, Long.toString(cappedTimeout(kafkaProperties.get(key), cap))));
    readerProperties.put(io.stepstream.internal.codec.registry.SchemaRegistryClient.REQUEST_ROUNDS, "1"); // one try per URL inside a transaction
    SchemaIds writer = RegistrySchemaIds.create(kafkaProperties);
    return new WireCodec(checked(format, writer), writer, RegistrySchemaIds.create(readerProperties));
  }

  /** A timeout the user set, at most {@code cap}; {@code cap} when unset or not a number. */
  static long cappedTimeout(Object configured, long cap) {
    if (configured == null) {
      return cap;
    }
    try {
      return Math.min(Long.parseLong(configured.toString().trim()), cap);
    } catch (NumberFormatException e) {
      return cap; // the registry client names the bad value when it reads the writer's properties
    }
  }

  private static WireFormat checked(WireFormat format, SchemaIds registry) {
    if (format == WireFormat.SCHEMA_REGISTRY && registry == null) {
      throw new IllegalStateException("wire format SCHEMA_REGISTRY needs the registry's address: set " + WireFormat.REGISTRY_URL
          + " (e.g. http://registry:8081) in the Kafka properties");
    }
    return format;
  }

  /** With a given registry (or none): for tests. */
  public static WireCodec withRegistry(WireFormat format, SchemaIds registry) {
    return new WireCodec(checked(format, registry), registry, registry);
  }

  public WireFormat format() {
    return format;
  }

  public EnvelopeReader reader() {
    return reader;
  }

  /** The registry's URL, or null without one. */
  public String registryUrl() {
    return registry == null ? null : registry.url();
  }

  /** The encoder of {@code type} records for {@code topic}, made once. */
  @SuppressWarnings("unchecked")
  public <T extends SpecificRecordBase> EnvelopeEncoder<T> encoder(String topic, Class<T> type) {
    return (EnvelopeEncoder<T>) encoders.computeIfAbsent(topic + '\u0000' + type.getName(), k -> newEncoder(topic, type));
  }

  private <T extends SpecificRecordBase> EnvelopeEncoder<T> newEncoder(String topic, Class<T> type) {
    Schema schema = SpecificData.get().getSchema(type);
    return switch (format) {
      case AVRO_SINGLE_OBJECT -> (record, headers) -> Envelopes.encode(record);
      case JSON -> new JsonEncoder<>(schema);
      case SCHEMA_REGISTRY -> new RegistryEncoder<>(registry, subject(topic, schema), schema);
    };
  }

  /** The subject a type's schema is registered under on a topic. */
  public static String subject(String topic, Schema schema) {
    return RECORD_NAME_SUBJECTS.contains(schema.getFullName()) ? topic + "-" + schema.getFullName() : topic + "-value";
  }

  @Override
  public void close() {
    if (registry != null) {
      registry.close();
    }
    if (readerRegistry != null && readerRegistry != registry) {
      readerRegistry.close();
    }
  }

  private static final class JsonEncoder<T extends SpecificRecordBase> implements EnvelopeEncoder<T> {
    private final JsonEnvelopes.Writer writer;
    /** Signals only: a promise completion has a JSON form of its own (ExternalInputDecoder). */
    private final JsonEnvelopes.Writer promiseWriter;
    private final WireHeaders headers;

    JsonEncoder(Schema schema) {
      this.writer = JsonEnvelopes.writer(schema, INPUT_FORMS.getOrDefault(schema.getFullName(), Map.of()));
      this.promiseWriter = schema.getFullName().equals(Signal.getClassSchema().getFullName()) ? JsonEnvelopes.writer(schema, PROMISE_FORM) : null;
      this.headers = WireHeaders.of(schema);
    }

    @Override
    public byte[] encode(T record, Headers h) {
      headers.addTo(h);
      boolean promise = promiseWriter != null && ((Signal) record).getPromiseId() != null;
      return (promise ? promiseWriter : writer).write(record);
    }
  }

  /** The JSON form of a promise completion: promiseId, data, error, runId, sentAt. */
  private static final Map<String, String> PROMISE_FORM = promiseForm();

  private static Map<String, String> promiseForm() {
    Map<String, String> form = new HashMap<>();
    form.put("payload", "data");
    form.put("name", null);
    form.put("signalId", null);
    form.put("timedOut", null);
    return form;
  }

  /** Magic byte 0, the schema id (big-endian), the Avro binary body. The id is looked up once. */
  private static final class RegistryEncoder<T extends SpecificRecordBase> implements EnvelopeEncoder<T> {
    private final SchemaIds registry;
    private final String subject;
    private final Schema schema;
    private final SpecificDatumWriter<T> writer;
    private volatile byte[] prefix;

    RegistryEncoder(SchemaIds registry, String subject, Schema schema) {
      this.registry = registry;
      this.subject = subject;
      this.schema = schema;
      this.writer = new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema));
    }

    @Override
    public void prepare() {
      prefix();
    }

    private byte[] prefix() {
      byte[] p = prefix;
      if (p == null) {
        int id = registry.register(subject, schema);
        p = new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
        prefix = p;
      }
      return p;
    }

    @Override
    public byte[] encode(T record, Headers headers) {
      byte[] p = prefix();
      Buffer buffer = BUFFERS.get();
      buffer.out.reset();
      buffer.out.write(p, 0, p.length);
      buffer.encoder = EncoderFactory.get().binaryEncoder(buffer.out, buffer.encoder);
      try {
        writer.write(record, buffer.encoder);
        buffer.encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot encode " + schema.getName() + ": " + e.getMessage(), e);
      }
      return buffer.out.toByteArray();
    }
  }

  /** One output buffer and Avro encoder per thread, reused (what Avro's BinaryMessageEncoder does for single-object records). */
  private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

  private static final class Buffer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    BinaryEncoder encoder;
  }

  private static Map<String, Map<String, String>> inputForms() {
    Map<String, Map<String, String>> forms = new HashMap<>();
    forms.put(RunCommand.getClassSchema().getFullName(), Map.of("type", "command"));
    Map<String, String> signal = new HashMap<>();
    signal.put("payload", "data");
    signal.put("timedOut", null);
    signal.put("promiseId", null); // set only on promise completions, which have their own form
    signal.put("error", null);
    signal.put("heartbeat", null); // remote tasks' heartbeats are promise records
    forms.put(Signal.getClassSchema().getFullName(), signal);
    Map<String, String> decision = new HashMap<>();
    decision.put("timedOut", null);
    forms.put(ApprovalDecision.getClassSchema().getFullName(), decision);
    return Map.copyOf(forms);
  }
}
