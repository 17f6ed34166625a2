package io.stepstream.internal.codec;

import io.stepstream.avro.ApprovalDecision;
import io.stepstream.avro.ApprovalRequest;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunState;
import io.stepstream.avro.Signal;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.schemas.ReleasedSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding (magic {@code C3 01}, schema fingerprint, body) of the engine's
 * envelopes. Self-describing enough for any language that has the bundled schemas.
 *
 * <p>Decoders know the current schema of each envelope <em>and every released one</em> ({@link
 * ReleasedSchemas}, {@code schemas/baseline/}): a record names its writer schema only by fingerprint,
 * so without the old schemas a journal entry, run state or outcome written by the previous release
 * would no longer decode once a field was added. {@code ReleasedEnvelopesTest} decodes a fixture of
 * every released version.
 */
public final class Envelopes {
  static {
    AvroTrust.ensureInstalled();
  }

  /**
   * Makes sure Avro trusts the envelope classes. Building an envelope whose defaults hold other
   * envelopes (StepOutcome's entries) instantiates them, which Avro refuses until then.
   */
  public static void ensureTrusted() {
    // loading this class did it
  }

  /** One encoder per envelope class (the generated toByteBuffer() shares one too; no reflection per call). */
  private static final java.util.Map<Class<?>, BinaryMessageEncoder<?>> ENCODERS = new java.util.concurrent.ConcurrentHashMap<>();

  private static final ReleasedSchemas RELEASED = ReleasedSchemas.onClasspath();

  private static final BinaryMessageDecoder<WorkflowRequest> REQUESTS = decoder(WorkflowRequest.getClassSchema());
  private static final BinaryMessageDecoder<RunCommand> COMMANDS = decoder(RunCommand.getClassSchema());
  private static final BinaryMessageDecoder<ApprovalDecision> DECISIONS = decoder(ApprovalDecision.getClassSchema());
  private static final BinaryMessageDecoder<ApprovalRequest> APPROVAL_REQUESTS = decoder(ApprovalRequest.getClassSchema());
  private static final BinaryMessageDecoder<Signal> SIGNALS = decoder(Signal.getClassSchema());
  private static final BinaryMessageDecoder<WorkflowResult> RESULTS = decoder(WorkflowResult.getClassSchema());
  private static final BinaryMessageDecoder<StepOutcome> OUTCOMES = decoder(StepOutcome.getClassSchema());
  private static final BinaryMessageDecoder<JournalEntry> JOURNAL_ENTRIES = decoder(JournalEntry.getClassSchema());
  private static final BinaryMessageDecoder<RunState> RUN_STATES = decoder(RunState.getClassSchema());
  private static final BinaryMessageDecoder<AuditEvent> AUDIT_EVENTS = decoder(AuditEvent.getClassSchema());
  private static final BinaryMessageDecoder<DeadLetter> DEAD_LETTERS = decoder(DeadLetter.getClassSchema());

  /** Fingerprints a {@code RunCommand} may carry: the current schema's and every released one's. */
  private static final Set<Long> COMMAND_FINGERPRINTS = fingerprints(RunCommand.getClassSchema());

  private Envelopes() {}

  /** Reads into the generated class (current schema) from the current or any released writer schema. */
  private static <T> BinaryMessageDecoder<T> decoder(Schema current) {
    BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(SpecificData.getForSchema(current), current);
    // a released schema with the current fingerprint is read as the current one: no resolving decoder
    olderWriterSchemas(current).forEach(decoder::addSchema);
    return decoder;
  }

  /** Released schemas of this type whose encoding differs from the current schema's. */
  private static List<Schema> olderWriterSchemas(Schema current) {
    long currentFingerprint = ReleasedSchemas.fingerprint(current);
    return RELEASED.writerSchemasOf(current.getFullName()).stream()
        .filter(s -> ReleasedSchemas.fingerprint(s) != currentFingerprint)
        .toList();
  }

  private static Set<Long> fingerprints(Schema current) {
    Set<Long> fingerprints = new HashSet<>();
    fingerprints.add(ReleasedSchemas.fingerprint(current));
    olderWriterSchemas(current).forEach(s -> fingerprints.add(ReleasedSchemas.fingerprint(s)));
    return Set.copyOf(fingerprints);
  }

  /** First two bytes of every single-object encoded record. */
  public static boolean looksLikeAvro(byte[] bytes) {
    return bytes != null && bytes.length > 10 && bytes[0] == (byte) 0xC3 && bytes[1] == (byte) 0x01;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static byte[] encode(SpecificRecordBase record) {
    BinaryMessageEncoder encoder =
        ENCODERS.computeIfAbsent(record.getClass(), c -> new BinaryMessageEncoder<>(SpecificData.getForSchema(record.getSchema()), record.getSchema()));
    try {
      ByteBuffer buffer = encoder.encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + record.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  public static WorkflowRequest request(byte[] bytes) {
    return decode(REQUESTS, bytes);
  }

  /** True if the single-object encoded bytes carry a {@code RunCommand} of any version (by schema fingerprint). */
  public static boolean isCommand(byte[] bytes) {
    return looksLikeAvro(bytes)
        && COMMAND_FINGERPRINTS.contains(ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
  }

  public static RunCommand command(byte[] bytes) {
    return decode(COMMANDS, bytes);
  }

  public static ApprovalDecision decision(byte[] bytes) {
    return decode(DECISIONS, bytes);
  }

  public static ApprovalRequest approvalRequest(byte[] bytes) {
    return decode(APPROVAL_REQUESTS, bytes);
  }

  public static Signal signal(byte[] bytes) {
    return decode(SIGNALS, bytes);
  }

  public static WorkflowResult result(byte[] bytes) {
    return decode(RESULTS, bytes);
  }

  public static StepOutcome outcome(byte[] bytes) {
    return decode(OUTCOMES, bytes);
  }

  public static JournalEntry journalEntry(byte[] bytes) {
    return decode(JOURNAL_ENTRIES, bytes);
  }

  public static RunState runState(byte[] bytes) {
    return decode(RUN_STATES, bytes);
  }

  public static AuditEvent auditEvent(byte[] bytes) {
    return decode(AUDIT_EVENTS, bytes);
  }

  public static DeadLetter deadLetter(byte[] bytes) {
    return decode(DEAD_LETTERS, bytes);
  }

  private static <T> T decode(BinaryMessageDecoder<T> decoder, byte[] bytes) {
    try {
      return decoder.decode(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode Avro record: " + e.getMessage(), e);
    }
  }
}
