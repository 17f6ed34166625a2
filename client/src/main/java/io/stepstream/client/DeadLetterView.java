package io.stepstream.client;

/**
 * One record of the dead-letter topic ({@code <prefix>.dlq}), as {@link DeadLetters#list} shows it.
 *
 * @param partition where it is in the DLQ (with {@code offset}: what {@link DeadLetters#redrive} takes)
 * @param offset its offset there
 * @param runId the run it was for, if known (null otherwise)
 * @param errorType the dead-letter code (docs/clients.md, "Dead-letter codes"); for Kafka Streams' own
 *     dead letters, the exception's class name
 * @param errorMessage what was wrong and what to do
 * @param sourceTopic the topic the original record was read from
 * @param sourcePartition its partition ({@code -1} when the engine dead-lettered something it had stored)
 * @param sourceOffset its offset ({@code -1} likewise)
 * @param failedAt when it was dead-lettered, epoch milliseconds
 * @param key the original key (UTF-8), or null
 * @param valueText the original value, readable: JSON as it is, an Avro envelope as JSON-like text,
 *     other bytes as {@code <n bytes>}; cut at 4,000 characters; null when no value was kept
 * @param valueEncoding {@code json}, {@code avro}, {@code bytes}, or null when no value was kept
 * @param valueBytes the original value's size in bytes (0 when none was kept)
 * @param redriven true if a redrive of it was produced ({@link DeadLetters#redrive} leaves a marker in the DLQ)
 * @param notRedrivable why it cannot be redriven, or null if it can
 */
public record DeadLetterView(
    int partition, long offset, String runId, String errorType, String errorMessage, String sourceTopic, int sourcePartition,
    long sourceOffset, long failedAt, String key, String valueText, String valueEncoding, int valueBytes, boolean redriven,
    String notRedrivable) {

  /** True if {@link DeadLetters#redrive} would re-produce it. */
  public boolean redrivable() {
    return notRedrivable == null;
  }

  /** Its coordinates in the DLQ, for {@link DeadLetters#redrive}. */
  public DeadLetterRef ref() {
    return new DeadLetterRef(partition, offset);
  }
}
