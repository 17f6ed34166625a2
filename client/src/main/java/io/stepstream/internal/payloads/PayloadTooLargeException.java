package io.stepstream.internal.payloads;

/** A value larger than the engine's hard limit ({@code maxPayloadSize}): never stored, never retried. */
public final class PayloadTooLargeException extends RuntimeException {
  private final long size;
  private final long limit;

  public PayloadTooLargeException(long size, long limit) {
    super(size + " bytes, larger than maxPayloadSize " + limit + " bytes");
    this.size = size;
    this.limit = limit;
  }

  public long size() {
    return size;
  }

  public long limit() {
    return limit;
  }
}
