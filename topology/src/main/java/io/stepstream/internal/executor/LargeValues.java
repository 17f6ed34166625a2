package io.stepstream.internal.executor;

import io.stepstream.avro.Payload;
import io.stepstream.internal.payloads.ClaimCheckException;
import io.stepstream.internal.payloads.ClaimChecks;
import io.stepstream.internal.payloads.PayloadTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An execution's side of claim checks (ADR 0021): a step result or run output is stored before the
 * outcome that refers to it is published, and a journaled reference is read back only when the code
 * reaches the value (lazily, at the step that needs it). A store that does not answer abandons the
 * execution (the orchestrator dispatches it again; the step runs again, at least once as always); a
 * value that is gone or corrupt is the caller's to park on, never a wrong value.
 */
final class LargeValues {
  private static final Logger LOG = LoggerFactory.getLogger(LargeValues.class);
  /** Error type of a step or run whose value is larger than {@code maxPayloadSize}: non-retryable. */
  static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";

  private final ClaimChecks checks;
  private final String runId;

  LargeValues(ClaimChecks checks, String runId) {
    this.checks = checks;
    this.runId = runId;
  }

  /**
   * The payload to journal: a reference once the bytes are durable if it is above the threshold (or
   * {@code mustOffload}: it does not fit the record inline).
   *
   * @throws PayloadTooLargeException above the hard limit
   */
  Payload store(Payload encoded, boolean mustOffload) {
    try {
      return checks.offload(runId, encoded, mustOffload);
    } catch (ClaimCheckException e) {
      LOG.warn("run {}: a large value was not stored ({}); the run will be redispatched", runId, e.getMessage());
      throw new ExecutionAbandoned(runId);
    }
  }

  /** True if {@link #store} can move a value out of its record. */
  boolean canOffload() {
    return checks.hasStore();
  }

  long maxPayloadSize() {
    return checks.maxPayloadSize();
  }

  /**
   * The payload with its bytes.
   *
   * @throws ClaimCheckException permanent: the referenced value is missing or corrupt
   */
  Payload read(Payload payload) {
    try {
      return checks.resolve(payload);
    } catch (ClaimCheckException e) {
      if (e.isPermanent()) {
        throw e;
      }
      LOG.warn("run {}: a claim-checked value was not read ({}); the run will be redispatched", runId, e.getMessage());
      throw new ExecutionAbandoned(runId);
    }
  }

  /** {@code the result of step 'x' in run r is 70000000 bytes, larger than maxPayloadSize (67108864 bytes) ...}. */
  String tooLarge(String what, PayloadTooLargeException e) {
    return what + " in run " + runId + " is " + e.size() + " bytes, larger than maxPayloadSize (" + e.limit() + " bytes), the most this engine"
        + " stores; keep it in an object store or database and return a reference, or raise Stepstream.builder().maxPayloadSize(...)";
  }
}
