package io.stepstream.internal.payloads;

import io.stepstream.avro.Payload;

/** Turns a claim-checked {@link Payload} into one that carries its bytes; any other payload is returned as it is. */
@FunctionalInterface
public interface PayloadResolver {
  /** For readers without a store: a claim-checked payload is a clear error naming where it lives. */
  PayloadResolver NONE = payload -> {
    if (payload != null && payload.getClaimCheck() != null) {
      throw ClaimCheckException.permanent("the value is claim-checked (" + Chunks.describe(payload.getClaimCheck())
          + ") and this reader has no claim-check store; read it as docs/large-payloads.md describes");
    }
    return payload;
  };

  /**
   * @throws ClaimCheckException if the bytes cannot be read, or are not the referenced ones
   */
  Payload resolve(Payload payload);
}
