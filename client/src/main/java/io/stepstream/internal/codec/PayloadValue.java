package io.stepstream.internal.codec;

import io.stepstream.EncodedValue;
import io.stepstream.avro.Payload;

/** An Avro {@link Payload} behind the API's {@link EncodedValue}: decoded only when asked, with the type asked for. */
public final class PayloadValue implements EncodedValue {
  private final Payload payload;

  private PayloadValue(Payload payload) {
    this.payload = payload;
  }

  /** {@link EncodedValue#NONE} for a missing payload. */
  public static EncodedValue of(Payload payload) {
    return payload == null ? EncodedValue.NONE : new PayloadValue(payload);
  }

  /** The encoded value itself, for the engine to carry it on (a step's failure details into the run's result). */
  public Payload payload() {
    return payload;
  }

  @Override
  public <T> T as(Class<T> type) {
    return PayloadCodec.decode(payload, type);
  }

  @Override
  public String text() {
    return PayloadCodec.describe(payload);
  }

  @Override
  public String toString() {
    return text();
  }
}
