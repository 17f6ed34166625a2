/**
 * The schema registry side of the Confluent wire format ({@code 0x00}, 4-byte big-endian schema id,
 * Avro binary): {@link io.stepstream.internal.codec.registry.SchemaRegistryClient} (register, look
 * up by id, compatibility; cached, failover, auth, TLS), configured from Kafka client properties by
 * {@link io.stepstream.internal.codec.registry.RegistrySettings} with Confluent's property names, and
 * {@link io.stepstream.internal.codec.registry.RegistrySubjects}, the subject of each public envelope.
 * Start at {@code SchemaRegistryClient}; docs/schema-registry.md is the user's side.
 */
package io.stepstream.internal.codec.registry;
