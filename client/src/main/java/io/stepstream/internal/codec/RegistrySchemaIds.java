package io.stepstream.internal.codec;

import io.stepstream.internal.codec.registry.RegistrySubjects;
import io.stepstream.internal.codec.registry.SchemaRegistryClient;
import io.stepstream.internal.codec.registry.SchemaRegistryException;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaIds} over the {@link SchemaRegistryClient} (which caches ids and schemas). Registering
 * a subject's schema also sets the subject's compatibility to BACKWARD when it has no level of its
 * own yet: Confluent answers "none" for a subject without one; Apicurio answers its global default,
 * which out of the box is NONE, so NONE is treated the same (an operator's stricter choice, FULL
 * say, is left alone).
 */
final class RegistrySchemaIds implements SchemaIds {
  private static final Logger LOG = LoggerFactory.getLogger(RegistrySchemaIds.class);

  private final SchemaRegistryClient client;
  private final String url;

  private RegistrySchemaIds(SchemaRegistryClient client) {
    this.client = client;
    this.url = client.urls().stream().map(Object::toString).reduce((a, b) -> a + "," + b).orElse("?");
  }

  /**
   * @throws IllegalArgumentException naming the property when a registry setting is invalid
   * @throws IllegalStateException without {@code schema.registry.url}
   */
  static SchemaIds create(Map<String, ?> kafkaProperties) {
    return new RegistrySchemaIds(SchemaRegistryClient.fromProperties(kafkaProperties)
        .orElseThrow(() -> new IllegalStateException("no schema.registry.url in the Kafka properties")));
  }

  @Override
  public int register(String subject, Schema schema) {
    try {
      Optional<String> level = compatibility(subject);
      int id = client.register(subject, schema);
      if (level.isPresent() && (level.get().isBlank() || level.get().equalsIgnoreCase("NONE"))) {
        setBackward(subject);
      }
      return id;
    } catch (SchemaRegistryException e) {
      throw translate(e);
    }
  }

  /** The subject's level before registering: empty if it cannot be read (then it is not touched); "" if it has none. */
  private Optional<String> compatibility(String subject) {
    try {
      return Optional.of(client.getCompatibility(subject).orElse(""));
    } catch (SchemaRegistryException e) {
      if (e.kind() != SchemaRegistryException.Kind.NOT_AUTHORIZED) {
        throw e;
      }
      LOG.warn("cannot read the compatibility level of subject '{}' ({}); registering without setting it", subject, e.getMessage());
      return Optional.empty();
    }
  }

  private void setBackward(String subject) {
    try {
      client.setCompatibility(subject, RegistrySubjects.COMPATIBILITY);
      LOG.info("schema registry subject '{}': compatibility set to {}", subject, RegistrySubjects.COMPATIBILITY);
    } catch (SchemaRegistryException e) {
      if (e.kind() != SchemaRegistryException.Kind.NOT_AUTHORIZED) {
        throw e;
      }
      LOG.warn("cannot set the compatibility of subject '{}' to {} ({}); set it in the registry", subject,
          RegistrySubjects.COMPATIBILITY, e.getMessage());
    }
  }

  @Override
  public Schema schemaById(int id) {
    try {
      return client.schemaById(id);
    } catch (SchemaRegistryException e) {
      if (e.kind() == SchemaRegistryException.Kind.UNKNOWN_ID) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      throw translate(e);
    }
  }

  private static RuntimeException translate(SchemaRegistryException e) {
    return e.isRetriable() ? new RegistryUnavailableException(e.getMessage(), e) : e;
  }

  @Override
  public String url() {
    return url;
  }
}
