package io.stepstream.internal.codec;

import org.apache.avro.Schema;

/**
 * The schema registry as the codecs use it: ids for the schemas they write, schemas for the ids they
 * read. Implementations cache both, so only the first use of a subject or an id makes a call.
 */
public interface SchemaIds extends AutoCloseable {
  /**
   * The id of {@code schema} under {@code subject}: registered on first use (a subject that did not
   * exist gets compatibility BACKWARD first), then cached.
   *
   * @throws RegistryUnavailableException if the registry cannot be reached
   */
  int register(String subject, Schema schema);

  /**
   * The schema with this id, cached.
   *
   * @throws RegistryUnavailableException if the registry cannot be reached (and the id is not cached)
   * @throws IllegalArgumentException if the registry has no schema with this id
   */
  Schema schemaById(int id);

  /** Where the registry is, for messages. */
  String url();

  @Override
  default void close() {}

  /** The registry did not answer (connection refused, timeout, 5xx): what was asked may work later. */
  final class RegistryUnavailableException extends RuntimeException {
    public RegistryUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
