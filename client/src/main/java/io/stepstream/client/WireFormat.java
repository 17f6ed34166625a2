package io.stepstream.client;

import java.util.Locale;
import java.util.Map;

/**
 * How Stepstream writes the records of its public topics (requests, approvals, signals, results,
 * events, approval requests, DLQ). Readers (the engine's inputs, {@link WorkflowClient}) accept all
 * three whatever they write themselves, telling them apart by the first byte: {@code C3 01} single
 * object, {@code 00} schema registry, <code>{</code> JSON. Internal data (state stores, changelogs,
 * step outcomes) is always single-object Avro.
 *
 * <pre>{@code
 * Stepstream.builder().wireFormat(WireFormat.JSON)          // results, events, approval requests as plain JSON
 * WorkflowClient.builder().wireFormat(WireFormat.JSON)      // requests, decisions, signals as JSON
 * // with "schema.registry.url" in the Kafka properties the default is SCHEMA_REGISTRY
 * }</pre>
 *
 * <p>docs/clients.md, "Encodings", shows each form.
 */
public enum WireFormat {
  /** Avro single-object encoding: {@code C3 01}, the 8-byte schema fingerprint, the Avro body. The default without a registry. */
  AVRO_SINGLE_OBJECT,
  /**
   * The Confluent schema-registry wire format: {@code 00}, the 4-byte big-endian schema id, the Avro
   * body; schemas registered under {@code <topic>-value}. Needs {@value #REGISTRY_URL} in the Kafka
   * properties, and is the default when it is there.
   */
  SCHEMA_REGISTRY,
  /**
   * A UTF-8 JSON object with the Avro field names, and headers {@code stepstream.schema} (the Avro
   * full name) and {@code stepstream.schema.fingerprint} (its CRC-64-AVRO fingerprint, 16 hex digits).
   */
  JSON;

  /** The Kafka (client) property that names the schema registry, as Confluent's serializers read it. */
  public static final String REGISTRY_URL = "schema.registry.url";

  /** {@link #SCHEMA_REGISTRY} when {@code kafkaProperties} name a registry, else {@link #AVRO_SINGLE_OBJECT}. */
  public static WireFormat defaultFor(Map<String, ?> kafkaProperties) {
    Object url = kafkaProperties.get(REGISTRY_URL);
    return url != null && !url.toString().isBlank() ? SCHEMA_REGISTRY : AVRO_SINGLE_OBJECT;
  }

  /**
   * The format a command line names: {@code json}, {@code avro} (single object) or {@code registry}
   * (also the constant names, any case).
   *
   * @throws IllegalArgumentException naming the choices
   */
  public static WireFormat parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    return switch (n) {
      case "json" -> JSON;
      case "avro", "avro_single_object", "single_object" -> AVRO_SINGLE_OBJECT;
      case "registry", "schema_registry" -> SCHEMA_REGISTRY;
      default -> throw new IllegalArgumentException("unknown wire format '" + name + "': choose json, avro (single-object) or registry");
    };
  }
}
