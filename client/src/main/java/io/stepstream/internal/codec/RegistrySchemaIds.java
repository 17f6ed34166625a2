package io.stepstream.internal.codec;

import java.util.Map;

/** {@link SchemaIds} over the schema registry client. */
final class RegistrySchemaIds {
  private RegistrySchemaIds() {}

  static SchemaIds create(Map<String, ?> kafkaProperties) {
    throw new UnsupportedOperationException("the schema-registry wire format is not available yet");
  }
}
