package io.stepstream.internal.payloads;

import io.stepstream.avro.ClaimCheck;

/**
 * Where claim-checked bytes live. Writes are content-addressed within a run (the same bytes of the
 * same run get the same key, so a duplicate write is harmless) and durable when {@link #write}
 * returns; {@link #read} returns the chunks as stored, and {@link ClaimChecks} verifies them.
 */
public interface PayloadStore extends AutoCloseable {

  /**
   * Stores {@code bytes} (whose SHA-256 is {@code sha256}) for run {@code runId}; returns only once
   * it is durable (acks=all), so a reference to it never points at nothing.
   *
   * @throws ClaimCheckException (transient) if the store did not acknowledge it
   */
  ClaimCheck write(String runId, String sha256, byte[] bytes);

  /**
   * The chunks of {@code ref}, in order, unverified.
   *
   * @throws ClaimCheckException permanent if a chunk is missing (deleted), transient if the store did not answer
   */
  java.util.List<byte[]> read(ClaimCheck ref);

  @Override
  default void close() {}
}
