/**
 * The claim-check store for values too large to travel inside an envelope (docs/large-payloads.md,
 * ADR 0021). Start at {@link io.stepstream.internal.payloads.ClaimChecks}: the policy (threshold,
 * hard limit, cache) that replaces a large {@link io.stepstream.avro.Payload}'s bytes by a
 * {@link io.stepstream.avro.ClaimCheck} and resolves one back, verified by its SHA-256.
 * {@link io.stepstream.internal.payloads.PayloadStore} is where the bytes live; the default is
 * {@link io.stepstream.internal.payloads.KafkaPayloadStore} (chunks on the compacted topic
 * {@code <prefix>.payloads}), {@link io.stepstream.internal.payloads.InMemoryPayloadStore} serves
 * tests. {@link io.stepstream.internal.payloads.Chunks} holds the format: keys, chunking, verification.
 */
package io.stepstream.internal.payloads;
