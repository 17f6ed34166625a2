package io.stepstream.internal.limits;

/**
 * What one limiter knows between records: permits held, the next time a request may be granted at
 * the requests-per-minute rate (GCRA's "theoretical arrival time", with no burst allowance), the tokens available at the
 * tokens-per-minute rate, a Retry-After pause, and the sequence that orders requests of equal
 * priority. Pure: every change returns a new state.
 *
 * <p>Rates are smooth: grants are spaced {@code 60000 / rpm} ms apart (a grant up to half an interval late
 * keeps the schedule, so ticks that are a little late do not slow the rate; an idle limiter starts a
 * new schedule at its next grant, so it never lets a burst through). Tokens refill continuously at {@code tpm / 60000} per ms
 * up to one second's worth; a request is granted when what it estimates is available (or a full
 * second's worth, for requests larger than that) and may drive the balance below zero, which later
 * requests wait out. The reported usage replaces the estimate when the permit is released.
 */
public record LimiterState(int inFlight, double tat, double tokens, long tokensAt, long pausedUntil, long seq) {

  static LimiterState fresh(LimiterSpec spec, long now) {
    return new LimiterState(0, 0, capacity(spec), now, 0, 0);
  }

  static double capacity(LimiterSpec spec) {
    return Math.max(1.0, spec.tokensPerMinute() / 60.0);
  }

  LimiterState refilled(LimiterSpec spec, long now) {
    if (spec.tokensPerMinute() <= 0 || now <= tokensAt) {
      return this;
    }
    double refill = (now - tokensAt) * spec.tokensPerMinute() / 60_000.0;
    return new LimiterState(inFlight, tat, Math.min(capacity(spec), tokens + refill), now, pausedUntil, seq);
  }

  /** Why a request estimating {@code estimatedTokens} cannot be granted now; null if it can (call on a refilled state). */
  String blockedBy(LimiterSpec spec, long now, long estimatedTokens) {
    if (now < pausedUntil) {
      return "paused by a Retry-After until " + java.time.Instant.ofEpochMilli(pausedUntil);
    }
    if (spec.maxConcurrent() > 0 && inFlight >= spec.maxConcurrent()) {
      return "all " + spec.maxConcurrent() + " permits held";
    }
    if (spec.intervalMs() > 0 && now < tat) {
      return "requests per minute";
    }
    if (spec.tokensPerMinute() > 0) {
      double need = Math.min(estimatedTokens, capacity(spec));
      if (tokens < 0 || tokens < need) {
        return "tokens per minute";
      }
    }
    return null;
  }

  LimiterState granted(LimiterSpec spec, long now, long estimatedTokens) {
    double interval = spec.intervalMs();
    // a tick up to half an interval late keeps the schedule; an idle limiter starts a new one from now
    double nextTat = interval <= 0 ? tat : (now - tat > interval / 2 ? now + interval : tat + interval);
    double left = spec.tokensPerMinute() > 0 ? tokens - estimatedTokens : tokens;
    return new LimiterState(inFlight + 1, nextTat, left, tokensAt, pausedUntil, seq);
  }

  /** A permit came back; {@code actualTokens} (if reported) replaces the {@code reserved} estimate. */
  LimiterState released(LimiterSpec spec, long reserved, Long actualTokens) {
    double balance = tokens;
    if (spec.tokensPerMinute() > 0 && actualTokens != null) {
      balance = Math.min(capacity(spec), tokens + reserved - actualTokens);
    }
    return new LimiterState(Math.max(0, inFlight - 1), tat, balance, tokensAt, pausedUntil, seq);
  }

  /** A permit's lease ran out: its slot is free again, its reservation stays spent. */
  LimiterState reclaimed() {
    return new LimiterState(Math.max(0, inFlight - 1), tat, tokens, tokensAt, pausedUntil, seq);
  }

  LimiterState pausedUntil(long until) {
    return until <= pausedUntil ? this : new LimiterState(inFlight, tat, tokens, tokensAt, until, seq);
  }

  LimiterState nextSeq() {
    return new LimiterState(inFlight, tat, tokens, tokensAt, pausedUntil, seq + 1);
  }
}
