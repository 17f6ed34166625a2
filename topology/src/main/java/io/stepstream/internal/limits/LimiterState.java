package io.stepstream.internal.limits;

/**
 * What one limiter knows between records: permits held, the next time a request may be granted at
 * the requests-per-minute rate (GCRA's "theoretical arrival time", with no burst allowance), the tokens available at the
 * tokens-per-minute rate, a Retry-After pause, and the sequence that orders requests of equal
 * priority. Pure: every change returns a new state.
 *
 * <p>Rates are smooth: grants are spaced {@code 60000 / rpm} ms apart (a grant delayed by a late tick keeps
 * the schedule, so a busy thread does not slow the rate; a limiter that was idle starts a new
 * schedule at its next request, so it never lets a burst through). Tokens refill continuously at {@code tpm / 60000} per ms
 * up to one second's worth; a request is granted when what it estimates is available (or a full
 * second's worth, for requests larger than that) and may drive the balance below zero, which later
 * requests wait out. The reported usage replaces the estimate when the permit is released.
 */
public record LimiterState(int inFlight, double tat, double tokens, long tokensAt, long pausedUntil, long seq) {
  /** How far behind its schedule a limiter may catch up after its grants were delayed. */
  static final long MAX_CATCH_UP_MS = 1_000;

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

  /**
   * A grant now of a request that has waited since {@code queuedAt}. The schedule moves on from when
   * this grant was due: the later of the previous schedule and the request's arrival. So a request
   * that arrives at an idle limiter starts a new schedule (no burst), and a grant late because the
   * tick was late (a busy or starved thread) keeps the schedule, the next grants catching up, so the
   * rate holds; by at most {@link #MAX_CATCH_UP_MS} (after a long stall, up to one second's worth of
   * grants go at once).
   */
  LimiterState granted(LimiterSpec spec, long now, long estimatedTokens, long queuedAt) {
    double interval = spec.intervalMs();
    double dueAt = Math.max(Math.max(tat, queuedAt), now - MAX_CATCH_UP_MS);
    double nextTat = interval <= 0 ? tat : dueAt + interval;
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

  /**
   * When a tick should look again at a request {@link #blockedBy} refused now: the end of a pause,
   * the next scheduled grant, enough tokens refilled. Concurrency waits for a release (which tries
   * at once), so it needs no tick: far in the future.
   */
  long earliestGrant(LimiterSpec spec, long now, long estimatedTokens) {
    if (now < pausedUntil) {
      return pausedUntil;
    }
    if (spec.maxConcurrent() > 0 && inFlight >= spec.maxConcurrent()) {
      return Long.MAX_VALUE;
    }
    if (spec.intervalMs() > 0 && now < tat) {
      return (long) Math.ceil(tat);
    }
    if (spec.tokensPerMinute() > 0) {
      double need = Math.max(0, Math.min(estimatedTokens, capacity(spec))) - tokens;
      return now + Math.max(1, (long) Math.ceil(need * 60_000.0 / spec.tokensPerMinute()));
    }
    return now;
  }

  LimiterState pausedUntil(long until) {
    return until <= pausedUntil ? this : new LimiterState(inFlight, tat, tokens, tokensAt, until, seq);
  }

  LimiterState nextSeq() {
    return new LimiterState(inFlight, tat, tokens, tokensAt, pausedUntil, seq + 1);
  }
}
