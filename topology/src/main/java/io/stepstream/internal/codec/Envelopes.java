package io.stepstream.internal.codec;

import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.DeadLetter;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunState;
import io.stepstream.avro.StepOutcome;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding (magic {@code C3 01}, schema fingerprint, body) of the engine's
 * envelopes. Self-describing enough for any language that has the bundled schemas.
 */
public final class Envelopes {
  static {
    AvroTrust.ensureInstalled();
  }

  /** One encoder per envelope class (the generated toByteBuffer() shares one too; no reflection per call). */
  private static final java.util.Map<Class<?>, BinaryMessageEncoder<?>> ENCODERS = new java.util.concurrent.ConcurrentHashMap<>();

  private static final byte[] COMMAND_FINGERPRINT = fingerprint(RunCommand.getClassSchema());

  private Envelopes() {}

  private static byte[] fingerprint(org.apache.avro.Schema schema) {
    long fp = org.apache.avro.SchemaNormalization.parsingFingerprint64(schema);
    return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fp).array();
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
    return decode(WorkflowRequest.getDecoder(), bytes);
  }

  /** True if the single-object encoded bytes carry a {@code RunCommand} (by schema fingerprint). */
  public static boolean isCommand(byte[] bytes) {
    return looksLikeAvro(bytes) && java.util.Arrays.equals(bytes, 2, 10, COMMAND_FINGERPRINT, 0, 8);
  }

  public static RunCommand command(byte[] bytes) {
    return decode(RunCommand.getDecoder(), bytes);
  }

  public static io.stepstream.avro.ApprovalDecision decision(byte[] bytes) {
    return decode(io.stepstream.avro.ApprovalDecision.getDecoder(), bytes);
  }

  public static io.stepstream.avro.ApprovalRequest approvalRequest(byte[] bytes) {
    return decode(io.stepstream.avro.ApprovalRequest.getDecoder(), bytes);
  }

  public static io.stepstream.avro.Signal signal(byte[] bytes) {
    return decode(io.stepstream.avro.Signal.getDecoder(), bytes);
  }

  public static WorkflowResult result(byte[] bytes) {
    return decode(WorkflowResult.getDecoder(), bytes);
  }

  public static StepOutcome outcome(byte[] bytes) {
    return decode(StepOutcome.getDecoder(), bytes);
  }

  public static JournalEntry journalEntry(byte[] bytes) {
    return decode(JournalEntry.getDecoder(), bytes);
  }

  public static RunState runState(byte[] bytes) {
    return decode(RunState.getDecoder(), bytes);
  }

  public static AuditEvent auditEvent(byte[] bytes) {
    return decode(AuditEvent.getDecoder(), bytes);
  }

  public static DeadLetter deadLetter(byte[] bytes) {
    return decode(DeadLetter.getDecoder(), bytes);
  }

  private static <T> T decode(BinaryMessageDecoder<T> decoder, byte[] bytes) {
    try {
      return decoder.decode(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode Avro record: " + e.getMessage(), e);
    }
  }
}
