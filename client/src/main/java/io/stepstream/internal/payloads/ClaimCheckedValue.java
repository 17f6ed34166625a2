package io.stepstream.internal.payloads;

import io.stepstream.EncodedValue;
import io.stepstream.avro.Payload;
import io.stepstream.internal.codec.PayloadCodec;

/**
 * A run's output (or any value) that arrived as a claim-check reference: read from the store only
 * when asked, once, then decoded like an inline value.
 */
public final class ClaimCheckedValue implements EncodedValue {
  private final Payload reference;
  private final PayloadResolver resolver;
  private volatile Payload resolved;

  private ClaimCheckedValue(Payload reference, PayloadResolver resolver) {
    this.reference = reference;
    this.resolver = resolver;
  }

  /** {@link EncodedValue#NONE} for null; a lazily resolved value for a claim-checked payload; else a plain one. */
  public static EncodedValue of(Payload payload, PayloadResolver resolver) {
    if (payload == null || payload.getClaimCheck() == null) {
      return io.stepstream.internal.codec.PayloadValue.of(payload);
    }
    return new ClaimCheckedValue(payload, resolver);
  }

  private Payload payload() {
    Payload p = resolved;
    if (p == null) {
      p = resolver.resolve(reference);
      resolved = p;
    }
    return p;
  }

  @Override
  public <T> T as(Class<T> type) {
    return PayloadCodec.decode(payload(), type);
  }

  @Override
  public String text() {
    return PayloadCodec.describe(payload());
  }

  @Override
  public String toString() {
    return resolved != null ? text() : PayloadCodec.describe(reference);
  }
}
