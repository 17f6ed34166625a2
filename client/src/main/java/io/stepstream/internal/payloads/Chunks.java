package io.stepstream.internal.payloads;

import io.stepstream.avro.ClaimCheck;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The claim-check format, for every store and for readers in other languages (docs/large-payloads.md):
 * a value's bytes cut into chunks of at most a chunk size, chunk {@code i} keyed {@code
 * <runId>/<sha256>/<i>}, reassembled in order and accepted only if the size and SHA-256 match.
 */
public final class Chunks {
  /** Below Kafka's default 1 MB message size with room to spare, so default brokers take every chunk. */
  public static final int DEFAULT_CHUNK_BYTES = 512 * 1024;

  private Chunks() {}

  /** Lower-case hex SHA-256. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e); // every Java SE has it
    }
  }

  /** The key prefix of a run's copy of a value: {@code <runId>/<sha256>}. */
  public static String key(String runId, String sha256) {
    return runId + "/" + sha256;
  }

  /** The record key of chunk {@code index}. */
  public static String chunkKey(String key, int index) {
    return key + "/" + index;
  }

  /** {@code bytes} cut into pieces of at most {@code chunkBytes}; one empty chunk for an empty value. */
  public static List<byte[]> split(byte[] bytes, int chunkBytes) {
    if (chunkBytes <= 0) {
      throw new IllegalArgumentException("chunk size must be positive, was " + chunkBytes);
    }
    List<byte[]> chunks = new ArrayList<>();
    for (int from = 0; from < bytes.length || chunks.isEmpty(); from += chunkBytes) {
      chunks.add(java.util.Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunkBytes)));
    }
    return chunks;
  }

  /**
   * The chunks joined, if they are exactly the referenced value.
   *
   * @throws ClaimCheckException permanent if the count, the size or the SHA-256 differ
   */
  public static byte[] join(ClaimCheck ref, List<byte[]> chunks) {
    if (chunks.size() != ref.getOffsets().size()) {
      throw corrupt(ref, chunks.size() + " chunks read, " + ref.getOffsets().size() + " referenced");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, Math.max(0, ref.getSize())));
    chunks.forEach(out::writeBytes);
    byte[] bytes = out.toByteArray();
    if (bytes.length != ref.getSize()) {
      throw corrupt(ref, bytes.length + " bytes read, " + ref.getSize() + " referenced");
    }
    String actual = sha256(bytes);
    if (!actual.equals(ref.getSha256())) {
      throw corrupt(ref, "the bytes read have SHA-256 " + actual);
    }
    return bytes;
  }

  private static ClaimCheckException corrupt(ClaimCheck ref, String what) {
    return ClaimCheckException.permanent("the claim-checked value " + describe(ref) + " is corrupt: " + what
        + "; the stored chunks are not the value that was written (was the topic written to by something else?)");
  }

  /** For messages: {@code 10485760 bytes, sha256 ab12..., topic stepstream.payloads partition 2 offsets 17..36}. */
  public static String describe(ClaimCheck ref) {
    List<Long> offsets = ref.getOffsets();
    String at = offsets.isEmpty() ? "no offsets" : offsets.size() == 1 ? "offset " + offsets.get(0)
        : "offsets " + offsets.get(0) + ".." + offsets.get(offsets.size() - 1);
    return ref.getSize() + " bytes, sha256 " + ref.getSha256() + ", topic " + ref.getTopic() + " partition " + ref.getPartition() + " " + at
        + ", key " + ref.getKey();
  }
}
