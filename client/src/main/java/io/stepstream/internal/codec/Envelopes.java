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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
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
 *
 * <p>Records read from topics are checked before Avro decodes them ({@link AvroBodyCheck}): the
 * fingerprint must be one of {@link #WRITER_SCHEMAS} and every length in the body must fit, so a
 * malformed record costs a linear pass, never a huge allocation. External input (requests,
 * commands, decisions, signals) that fails is an {@link InvalidInputException}.
 */
public final class Envelopes {
  static {
    AvroTrust.ensureInstalled();
  }

  /** One encoder per envelope class (the generated toByteBuffer() shares one too; no reflection per call). */
  private static final Map<Class<?>, BinaryMessageEncoder<?>> ENCODERS = new ConcurrentHashMap<>();

  /**
   * Makes sure Avro trusts the envelope classes. Building an envelope whose defaults hold other
   * envelopes (StepOutcome's entries) instantiates them, which Avro refuses until then.
   */
  public static void ensureTrusted() {
    // loading this class did it
  }

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

  /** Decoders of external input, by envelope name. */
  private static final Map<String, BinaryMessageDecoder<?>> INPUT_DECODERS = Map.of(
      WorkflowRequest.getClassSchema().getFullName(), REQUESTS,
      RunCommand.getClassSchema().getFullName(), COMMANDS,
      ApprovalDecision.getClassSchema().getFullName(), DECISIONS,
      Signal.getClassSchema().getFullName(), SIGNALS);

  /** Decoders of what the engine writes to public topics, by envelope name (for {@link EnvelopeReader}). */
  private static final Map<String, BinaryMessageDecoder<?>> OUTPUT_DECODERS = Map.of(
      WorkflowResult.getClassSchema().getFullName(), RESULTS,
      AuditEvent.getClassSchema().getFullName(), AUDIT_EVENTS,
      ApprovalRequest.getClassSchema().getFullName(), APPROVAL_REQUESTS,
      DeadLetter.getClassSchema().getFullName(), DEAD_LETTERS);

  /** Every writer schema a record may carry, by fingerprint: the current and every released version. */
  private static final Map<Long, Schema> WRITER_SCHEMAS = writerSchemas(
      WorkflowRequest.getClassSchema(), RunCommand.getClassSchema(), ApprovalDecision.getClassSchema(),
      Signal.getClassSchema(), ApprovalRequest.getClassSchema(), WorkflowResult.getClassSchema(),
      AuditEvent.getClassSchema(), StepOutcome.getClassSchema(), JournalEntry.getClassSchema(),
      RunState.getClassSchema(), DeadLetter.getClassSchema());

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
    return decode(REQUESTS, bytes, WorkflowRequest.getClassSchema());
  }

  /** True if the single-object encoded bytes carry a {@code RunCommand} of any version (by schema fingerprint). */
  public static boolean isCommand(byte[] bytes) {
    if (!looksLikeAvro(bytes)) {
      return false;
    }
    Schema writer = WRITER_SCHEMAS.get(fingerprint(bytes));
    return writer != null && writer.getFullName().equals(RunCommand.getClassSchema().getFullName());
  }

  public static RunCommand command(byte[] bytes) {
    return decode(COMMANDS, bytes, RunCommand.getClassSchema());
  }

  public static ApprovalDecision decision(byte[] bytes) {
    return decode(DECISIONS, bytes, ApprovalDecision.getClassSchema());
  }

  public static ApprovalRequest approvalRequest(byte[] bytes) {
    return decode(APPROVAL_REQUESTS, bytes, ApprovalRequest.getClassSchema());
  }

  public static Signal signal(byte[] bytes) {
    return decode(SIGNALS, bytes, Signal.getClassSchema());
  }

  public static WorkflowResult result(byte[] bytes) {
    return decode(RESULTS, bytes, WorkflowResult.getClassSchema());
  }

  public static StepOutcome outcome(byte[] bytes) {
    return decode(OUTCOMES, bytes, StepOutcome.getClassSchema());
  }

  /** From the engine's own store: not checked (it wrote these bytes itself). */
  public static JournalEntry journalEntry(byte[] bytes) {
    return decodeTrusted(JOURNAL_ENTRIES, bytes);
  }

  /** From the engine's own store: not checked (it wrote these bytes itself). */
  public static RunState runState(byte[] bytes) {
    return decodeTrusted(RUN_STATES, bytes);
  }

  public static AuditEvent auditEvent(byte[] bytes) {
    return decode(AUDIT_EVENTS, bytes, AuditEvent.getClassSchema());
  }

  public static DeadLetter deadLetter(byte[] bytes) {
    return decode(DEAD_LETTERS, bytes, DeadLetter.getClassSchema());
  }

  /**
   * Decodes a record that came from outside the engine (requests, commands, decisions, signals).
   * Whatever is wrong with it is the producer's problem, so it becomes an {@link
   * InvalidInputException} with {@code code} (it goes to the DLQ), never an engine error.
   */
  @SuppressWarnings("unchecked")
  static <T> T decodeInput(Schema expected, byte[] bytes, String code, String jsonForm) {
    BinaryMessageDecoder<T> decoder = (BinaryMessageDecoder<T>) INPUT_DECODERS.get(expected.getFullName());
    String envelope = expected.getName();
    Schema writer = WRITER_SCHEMAS.get(fingerprint(bytes));
    if (writer == null || !writer.getFullName().equals(expected.getFullName())) {
      throw new InvalidInputException(code,
          "the record starts with the Avro single-object marker C3 01, but its schema fingerprint "
              + String.format("%016x", fingerprint(bytes)) + " is not that of a " + envelope
              + (writer == null ? " this engine knows" : " (it is a " + writer.getName() + ": written to the wrong topic?)")
              + "; encode it with schemas/src/main/avro/" + envelope + ".avsc, or send JSON " + jsonForm);
    }
    String problem = AvroBodyCheck.problem(writer, bytes, 10);
    try {
      if (problem == null) {
        return decoder.decode(bytes);
      }
    } catch (IOException | RuntimeException e) {
      problem = String.valueOf(e.getMessage());
    }
    throw new InvalidInputException(code,
        "the record starts with the Avro single-object header of a " + envelope + " (marker C3 01 and its fingerprint),"
            + " but its body does not decode (" + problem + "); the producer did not write that schema:"
            + " fix it and re-produce the record");
  }

  /** Decodes a single-object record the engine wrote to a public topic (result, event, approval request, dead letter). */
  @SuppressWarnings("unchecked")
  static <T> T decodeOutput(Schema expected, byte[] bytes) {
    BinaryMessageDecoder<T> decoder = (BinaryMessageDecoder<T>) OUTPUT_DECODERS.get(expected.getFullName());
    if (decoder == null) {
      throw new IllegalArgumentException("not an envelope the engine writes to a public topic: " + expected.getFullName());
    }
    return decode(decoder, bytes, expected);
  }

  private static <T> T decode(BinaryMessageDecoder<T> decoder, byte[] bytes, Schema expected) {
    if (!looksLikeAvro(bytes)) {
      throw new IllegalArgumentException("cannot decode a " + expected.getName() + ": not Avro single-object encoded (no C3 01 marker)");
    }
    Schema writer = WRITER_SCHEMAS.get(fingerprint(bytes));
    if (writer == null) {
      throw new IllegalArgumentException("cannot decode a " + expected.getName() + ": unknown schema fingerprint "
          + String.format("%016x", fingerprint(bytes)));
    }
    String problem = AvroBodyCheck.problem(writer, bytes, 10);
    if (problem != null) {
      throw new IllegalArgumentException("cannot decode a " + expected.getName() + ": " + problem);
    }
    return decodeTrusted(decoder, bytes);
  }

  private static <T> T decodeTrusted(BinaryMessageDecoder<T> decoder, byte[] bytes) {
    try {
      return decoder.decode(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode Avro record: " + e.getMessage(), e);
    }
  }

  private static long fingerprint(byte[] bytes) {
    return ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static Map<Long, Schema> writerSchemas(Schema... current) {
    Map<Long, Schema> byFingerprint = new HashMap<>();
    for (Schema s : List.of(current)) {
      byFingerprint.put(SchemaNormalization.parsingFingerprint64(s), s);
      olderWriterSchemas(s).forEach(old -> byFingerprint.put(ReleasedSchemas.fingerprint(old), old));
    }
    return Map.copyOf(byFingerprint);
  }
}
