package io.stepstream.internal.payloads;

import io.stepstream.avro.ClaimCheck;
import io.stepstream.avro.Payload;
import io.stepstream.internal.codec.PayloadCodec;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The claim-check policy (ADR 0021): a value above {@link #threshold()} bytes, or one that would not
 * fit its record, is written to the {@link PayloadStore} and its {@link Payload} carries a {@link
 * ClaimCheck} instead of the bytes; a value above {@link #maxPayloadSize()} is refused ({@link
 * PayloadTooLargeException}). {@link #resolve} reads a reference back, verified by size and SHA-256,
 * through a bounded cache (values are immutable, so a cached copy is never stale).
 *
 * <pre>{@code
 * ClaimChecks checks = ClaimChecks.using(store, 256 * 1024, 64L << 20);
 * Payload journaled = checks.offload("run-1", PayloadCodec.encode(hugeReport)); // a reference, once durable
 * Report back = PayloadCodec.decode(checks.resolve(journaled), Report.class);   // the same bytes, checked
 * }</pre>
 */
public final class ClaimChecks implements PayloadResolver {
  /** Values above this many bytes go to the store unless configured otherwise (256 KiB). */
  public static final int DEFAULT_THRESHOLD = 256 * 1024;
  /** Larger values fail at once (64 MiB). */
  public static final long DEFAULT_MAX_PAYLOAD_SIZE = 64L * 1024 * 1024;
  /** Resolved values kept in memory per process (bytes). */
  public static final long DEFAULT_CACHE_BYTES = 64L * 1024 * 1024;

  /** No store: nothing is offloaded, a claim-checked payload cannot be read (tests, replays of recorded histories). */
  public static final ClaimChecks INLINE = new ClaimChecks(null, Integer.MAX_VALUE, Long.MAX_VALUE, 0);

  private final PayloadStore store;
  private final int threshold;
  private final long maxPayloadSize;
  private final Cache cache;

  private ClaimChecks(PayloadStore store, int threshold, long maxPayloadSize, long cacheBytes) {
    if (threshold < 0 || maxPayloadSize <= 0) {
      throw new IllegalArgumentException("claim-check threshold and maxPayloadSize must be positive, were " + threshold + " and " + maxPayloadSize);
    }
    this.store = store;
    this.threshold = threshold;
    this.maxPayloadSize = maxPayloadSize;
    this.cache = new Cache(cacheBytes);
  }

  public static ClaimChecks using(PayloadStore store, int threshold, long maxPayloadSize) {
    return using(store, threshold, maxPayloadSize, DEFAULT_CACHE_BYTES);
  }

  /** With a cache of {@code cacheBytes} (0: every read goes to the store, as after a restart). */
  public static ClaimChecks using(PayloadStore store, int threshold, long maxPayloadSize, long cacheBytes) {
    return new ClaimChecks(store, threshold, maxPayloadSize, cacheBytes);
  }

  /** Only reads references (a client): nothing above any size is refused or written. */
  public static ClaimChecks readingFrom(PayloadStore store) {
    return new ClaimChecks(store, Integer.MAX_VALUE, Long.MAX_VALUE, DEFAULT_CACHE_BYTES);
  }

  public int threshold() {
    return threshold;
  }

  public long maxPayloadSize() {
    return maxPayloadSize;
  }

  /** True if values can be offloaded at all. */
  public boolean hasStore() {
    return store != null;
  }

  /**
   * {@code payload}, or a claim-checked copy of it once its bytes are durable in the store.
   *
   * @param mustOffload the inline value does not fit its record: offload it even below the threshold
   * @throws PayloadTooLargeException above {@link #maxPayloadSize()}
   * @throws ClaimCheckException (transient) if the store did not take it
   */
  public Payload offload(String runId, Payload payload, boolean mustOffload) {
    if (payload == null || payload.getClaimCheck() != null) {
      return payload;
    }
    int size = payload.getData().remaining();
    if (size > maxPayloadSize) {
      throw new PayloadTooLargeException(size, maxPayloadSize);
    }
    if (store == null || (size <= threshold && !mustOffload)) {
      return payload;
    }
    byte[] bytes = PayloadCodec.bytes(payload);
    String sha256 = Chunks.sha256(bytes);
    ClaimCheck ref = store.write(runId, sha256, bytes);
    cache.put(sha256, bytes); // the next pass of this run reads it back: from memory
    return Payload.newBuilder(payload).setData(ByteBuffer.allocate(0)).setClaimCheck(ref).build();
  }

  /** {@link #offload(String, Payload, boolean)} above the threshold only. */
  public Payload offload(String runId, Payload payload) {
    return offload(runId, payload, false);
  }

  @Override
  public Payload resolve(Payload payload) {
    if (payload == null || payload.getClaimCheck() == null) {
      return payload;
    }
    ClaimCheck ref = payload.getClaimCheck();
    byte[] bytes = cache.get(ref.getSha256());
    if (bytes == null) {
      if (store == null) {
        return PayloadResolver.NONE.resolve(payload); // throws, naming where it lives
      }
      bytes = Chunks.join(ref, store.read(ref));
      cache.put(ref.getSha256(), bytes);
    }
    return Payload.newBuilder(payload).setData(ByteBuffer.wrap(bytes)).setClaimCheck(null).build();
  }

  /** Bytes by SHA-256, least recently used first out, bounded by total size. */
  private static final class Cache {
    private final long capacity;
    private long held;
    private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);

    Cache(long capacity) {
      this.capacity = capacity;
    }

    synchronized byte[] get(String sha256) {
      return entries.get(sha256);
    }

    synchronized void put(String sha256, byte[] bytes) {
      if (bytes.length > capacity / 2) {
        return; // one value must not empty the cache of everything else
      }
      byte[] old = entries.put(sha256, bytes);
      held += bytes.length - (old == null ? 0 : old.length);
      var it = entries.entrySet().iterator();
      while (held > capacity && it.hasNext()) {
        Map.Entry<String, byte[]> eldest = it.next();
        held -= eldest.getValue().length;
        it.remove();
      }
    }
  }
}
