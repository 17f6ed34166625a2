package io.stepstream.testing;

import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.executor.OutcomePublisher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Unit-test publisher: keeps outcomes in memory; can be told to fail the next N publishes. */
public final class RecordingPublisher implements OutcomePublisher {
  private final List<StepOutcome> published = new ArrayList<>();
  private final List<java.util.Map<String, String>> traceHeaders = new ArrayList<>();
  private final AtomicInteger failNext = new AtomicInteger();
  private int maxBytes = 1_000_000;

  @Override
  public synchronized void publish(StepOutcome outcome) throws PublishException {
    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new PublishException("injected failure", new RuntimeException("injected"));
    }
    published.add(outcome);
  }

  /** Keeps the trace headers the record would carry, too ({@link #traceHeaders()}). */
  @Override
  public synchronized void publish(StepOutcome outcome, java.util.Map<String, String> headers) throws PublishException {
    publish(outcome);
    traceHeaders.add(headers);
  }

  /** The trace headers of every outcome published with them so far, in order. */
  public synchronized List<java.util.Map<String, String>> traceHeaders() {
    return new ArrayList<>(traceHeaders);
  }

  @Override
  public io.stepstream.internal.executor.RecordLimit recordLimit() {
    return new io.stepstream.internal.executor.RecordLimit(maxBytes, "the test's limit");
  }

  private volatile io.stepstream.internal.payloads.ClaimChecks claimChecks = io.stepstream.internal.payloads.ClaimChecks.INLINE;

  /** Large values go to this store (ADR 0021); by default none. */
  public RecordingPublisher claimChecks(io.stepstream.internal.payloads.ClaimChecks checks) {
    this.claimChecks = checks;
    return this;
  }

  @Override
  public io.stepstream.internal.payloads.ClaimChecks claimChecks() {
    return claimChecks;
  }

  public RecordingPublisher maxBytes(int bytes) {
    this.maxBytes = bytes;
    return this;
  }

  public void failNext(int count) {
    failNext.set(count);
  }

  /** Returns and forgets what was published so far. */
  public synchronized List<StepOutcome> drain() {
    List<StepOutcome> copy = new ArrayList<>(published);
    published.clear();
    return copy;
  }
}
