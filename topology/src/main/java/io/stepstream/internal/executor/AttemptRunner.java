package io.stepstream.internal.executor;

import io.stepstream.StepFunction;
import java.time.Clock;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one attempt of a step. Without timeouts it runs inline (the common, cheapest case). With a
 * timeout it runs on its own thread so the execution can give up on it: the thread is interrupted
 * and whatever it returns afterwards is dropped.
 *
 * <p>Whatever a step throws is the attempt's failure, {@link Error}s included: a {@code
 * StackOverflowError} or {@code OutOfMemoryError} that escaped would end the execution without a
 * completion, and the orchestrator would dispatch the run again, and again. Both have unwound the
 * step's stack (and freed what it allocated) by the time they are caught here, so recording them
 * is usually possible; if it is not, the execution ends without an outcome and the orchestrator's
 * bounded resumes take over.
 */
final class AttemptRunner {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService ATTEMPT_THREADS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "stepstream-attempt-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
  private static final long MAX_WAIT_SLICE_MS = 50;

  /** The outcome of one attempt: a value, or what it failed with (timeouts and errors included). */
  record Attempt<T>(T value, Throwable failure) {
    boolean succeeded() {
      return failure == null;
    }
  }

  /** Deadlines in clock millis: {@code deadline} for the whole attempt, heartbeat staleness via {@code beat}. */
  record Limits(long deadline, long heartbeatTimeoutMs, String deadlineName) {
    static final Limits NONE = new Limits(Long.MAX_VALUE, 0, null);

    boolean any() {
      return deadline != Long.MAX_VALUE || heartbeatTimeoutMs > 0;
    }
  }

  private AttemptRunner() {}

  static <T> Attempt<T> run(StepFunction<T> fn, StepAttemptContext ctx, Limits limits, Clock clock) throws InterruptedException {
    if (!limits.any()) {
      return inline(fn, ctx);
    }
    Future<Attempt<T>> future = ATTEMPT_THREADS.submit(() -> inline(fn, ctx));
    while (true) {
      long now = clock.millis();
      String expired = expired(limits, ctx, now);
      if (expired != null) {
        future.cancel(true);
        return new Attempt<>(null, new StepTimeoutException(expired));
      }
      long next = Math.min(limits.deadline, limits.heartbeatTimeoutMs > 0 ? ctx.lastBeatAt() + limits.heartbeatTimeoutMs : Long.MAX_VALUE);
      try {
        Attempt<T> done = future.get(Math.max(1, Math.min(MAX_WAIT_SLICE_MS, next - now)), TimeUnit.MILLISECONDS);
        // a step that returned after its deadline (by the clock) timed out all the same: drop its result
        String late = expired(limits, ctx, clock.millis());
        return late == null ? done : new Attempt<>(null, new StepTimeoutException(late));
      } catch (TimeoutException e) {
        // check the deadlines again
      } catch (ExecutionException e) {
        return new Attempt<>(null, e.getCause() == null ? e : e.getCause()); // the step's own failure, with its type
      } catch (CancellationException e) {
        return new Attempt<>(null, new IllegalStateException("attempt thread failed: " + e, e));
      } catch (InterruptedException e) {
        future.cancel(true);
        throw e;
      }
    }
  }

  private static String expired(Limits limits, StepAttemptContext ctx, long now) {
    if (now >= limits.deadline) {
      return limits.deadlineName;
    }
    if (limits.heartbeatTimeoutMs > 0 && now - ctx.lastBeatAt() >= limits.heartbeatTimeoutMs) {
      return "no heartbeat for " + limits.heartbeatTimeoutMs + " ms (heartbeat timeout)";
    }
    return null;
  }

  private static <T> Attempt<T> inline(StepFunction<T> fn, StepAttemptContext ctx) throws InterruptedException {
    try {
      return new Attempt<>(fn.apply(ctx), null);
    } catch (InterruptedException | Suspension | ExecutionAbandoned e) {
      throw e; // the execution's own control flow, not the step's failure
    } catch (Throwable e) {
      return new Attempt<>(null, e);
    }
  }

  /** An attempt ran out of time. Its error type on the journal is {@code STEP_TIMEOUT}. */
  static final class StepTimeoutException extends Exception {
    static final String TYPE = "STEP_TIMEOUT";

    StepTimeoutException(String message) {
      super(message);
    }
  }
}
