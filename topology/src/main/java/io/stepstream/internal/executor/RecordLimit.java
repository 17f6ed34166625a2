package io.stepstream.internal.executor;

/**
 * The largest record value the engine writes (step outcomes, journal and run state, results, audit
 * events, approval requests, dead letters), and where that number comes from, for error messages.
 *
 * @param bytes the limit on an encoded value
 * @param source what bounds it, e.g. {@code max.message.bytes=200000 of topic sec.step-outcomes, less 32768 bytes of headroom ...}
 */
public record RecordLimit(int bytes, String source) {
  /** Without a cluster to ask (unit tests, TopologyTestDriver): Kafka's defaults less the headroom. */
  public static final RecordLimit DEFAULT = new RecordLimit(1_000_000, "the engine's default; a started engine reads it from the topics");

  public RecordLimit {
    if (bytes <= 0) {
      throw new IllegalArgumentException("a record limit must be positive, was " + bytes + " (" + source + ")");
    }
  }

  public static RecordLimit of(int bytes) {
    return new RecordLimit(bytes, "configured");
  }

  /** {@code 167232 bytes (max.message.bytes=200000 of topic ..., less ...)}. */
  public String describe() {
    return bytes + " bytes (" + source + ")";
  }
}
