package io.stepstream.internal.codec;

import java.util.List;
import org.apache.avro.Schema;

/**
 * Walks Avro binary data against its writer schema without allocating anything, checking that every
 * length, count and index fits in the bytes that are actually there.
 *
 * <p>Why: Avro's decoder allocates a string or array of the length it reads <em>before</em> it
 * reads the content, so a 34-byte record whose first string claims 2 GB held a stream thread for
 * 24 s (and can throw {@code OutOfMemoryError}). Records that pass this check decode with
 * allocations bounded by their own size.
 */
final class AvroBodyCheck {
  /** Items of a zero-byte type (null, empty record) cost nothing to encode; bound them anyway. */
  private static final long MAX_EMPTY_ITEMS = 100_000;

  private final byte[] bytes;
  private int pos;

  private AvroBodyCheck(byte[] bytes, int offset) {
    this.bytes = bytes;
    this.pos = offset;
  }

  /**
   * Checks {@code bytes[offset..]} holds exactly one datum of {@code schema}.
   *
   * @return null if it does, else what is wrong
   */
  static String problem(Schema schema, byte[] bytes, int offset) {
    AvroBodyCheck check = new AvroBodyCheck(bytes, offset);
    try {
      check.walk(schema);
    } catch (Malformed e) {
      return e.getMessage();
    }
    int left = bytes.length - check.pos;
    return left == 0 ? null : left + " bytes left over after the " + schema.getName() + " record";
  }

  private void walk(Schema schema) {
    switch (schema.getType()) {
      case NULL -> { }
      case BOOLEAN -> need(1, "boolean");
      case INT, LONG -> varint();
      case FLOAT -> need(4, "float");
      case DOUBLE -> need(8, "double");
      case FIXED -> need(schema.getFixedSize(), "fixed " + schema.getName());
      case STRING, BYTES -> need(length("string/bytes"), schema.getType().getName());
      case ENUM -> index(schema.getEnumSymbols().size(), "enum " + schema.getName());
      case UNION -> {
        List<Schema> branches = schema.getTypes();
        walk(branches.get(index(branches.size(), "union")));
      }
      case RECORD -> schema.getFields().forEach(f -> walk(f.schema()));
      case ARRAY -> blocks(schema.getElementType(), false);
      case MAP -> blocks(schema.getValueType(), true);
    }
  }

  private void blocks(Schema items, boolean withKeys) {
    long seen = 0;
    while (true) {
      long count = varint();
      if (count == 0) {
        return;
      }
      if (count < 0) {
        count = -count;
        need(length("block size"), "block"); // a negative count is followed by the block's size in bytes
        continue;
      }
      seen += count;
      if (seen > bytes.length - pos && seen > MAX_EMPTY_ITEMS) {
        throw new Malformed("an array or map claims " + seen + " items in " + (bytes.length - pos) + " bytes");
      }
      for (long i = 0; i < count; i++) {
        if (withKeys) {
          need(length("map key"), "map key");
        }
        walk(items);
      }
    }
  }

  private int index(int size, String what) {
    long i = varint();
    if (i < 0 || i >= size) {
      throw new Malformed(what + " index " + i + " out of range (0.." + (size - 1) + ")");
    }
    return (int) i;
  }

  private int length(String what) {
    long n = varint();
    if (n < 0 || n > bytes.length - pos) {
      throw new Malformed(what + " length " + n + " but only " + (bytes.length - pos) + " bytes remain");
    }
    return (int) n;
  }

  private void need(int n, String what) {
    if (n > bytes.length - pos) {
      throw new Malformed("the record ends inside a " + what);
    }
    pos += n;
  }

  /** A zig-zag variable-length long, as Avro writes int and long. */
  private long varint() {
    long raw = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= bytes.length) {
        throw new Malformed("the record ends inside a number");
      }
      int b = bytes[pos++] & 0xFF;
      raw |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    throw new Malformed("a number longer than 10 bytes");
  }

  private static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }
}
