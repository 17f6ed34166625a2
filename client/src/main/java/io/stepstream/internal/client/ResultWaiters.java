package io.stepstream.internal.client;

import io.stepstream.RunResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who waits for which run's result, plus a bounded cache of the results seen last.
 *
 * <p>A waiter stays in the map while someone holds it: a {@code RunHandle} holds its run until the
 * result arrives (it promised a future), an await holds it only while it waits. So an await that
 * times out leaves nothing behind, and the map never holds more than the runs being waited for.
 * The cache only saves a lookup on the topic for a result that arrived just before someone asked;
 * nothing depends on it (a miss is looked up, see {@link ResultLookups}).
 *
 * <pre>{@code
 * ResultWaiters.Hold hold = waiters.hold("order-42");
 * try {
 *   if (hold.needsLookup()) lookups.lookUp("order-42");   // its result may have passed already
 *   return hold.future().get(1, TimeUnit.MINUTES);
 * } finally {
 *   waiters.release(hold);
 * }
 * }</pre>
 */
public final class ResultWaiters {
  private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
  private final Map<String, RunResult> recent;

  public ResultWaiters(int recentCapacity) {
    this.recent = Collections.synchronizedMap(
        new LinkedHashMap<>(1024, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, RunResult> eldest) {
            return size() > recentCapacity;
          }
        });
  }

  /** One run's future and how many hold it. {@code holders} is only changed inside the map's compute for the run. */
  private static final class Waiter {
    final String runId;
    final CompletableFuture<RunResult> future = new CompletableFuture<>();
    int holders;

    Waiter(String runId) {
      this.runId = runId;
    }
  }

  /** A claim on a run's result. */
  public static final class Hold {
    private final Waiter waiter;
    private final boolean needsLookup;

    private Hold(Waiter waiter, boolean needsLookup) {
      this.waiter = waiter;
      this.needsLookup = needsLookup;
    }

    public String runId() {
      return waiter.runId;
    }

    public CompletableFuture<RunResult> future() {
      return waiter.future;
    }

    /**
     * True if nobody was waiting for this run and the cache does not have it: its result may have
     * passed before this claim, so it must be looked up on the topic.
     */
    public boolean needsLookup() {
      return needsLookup;
    }
  }

  public Hold hold(String runId) {
    boolean[] created = {false};
    Waiter w = waiting.compute(runId, (id, existing) -> {
      Waiter x = existing != null ? existing : new Waiter(id);
      created[0] = existing == null;
      x.holders++;
      return x;
    });
    // After the compute: a result delivered before it is in the cache, one delivered after finds the waiter.
    RunResult cached = recent.get(runId);
    if (cached != null) {
      waiting.remove(runId, w);
      w.future.complete(cached);
    }
    return new Hold(w, created[0] && !w.future.isDone());
  }

  /** Gives up a claim; the run leaves the map when nobody holds it any more. */
  public void release(Hold hold) {
    waiting.computeIfPresent(hold.runId(), (id, x) -> x != hold.waiter || --x.holders > 0 ? x : null);
  }

  /** A result read from the topic: completes whoever waits for it. */
  public void deliver(RunResult result) {
    recent.put(result.runId(), result);
    Waiter w = waiting.remove(result.runId());
    if (w != null) {
      w.future.complete(result);
    }
  }

  /**
   * Drops the run's cached result: it is being restarted (ADR 0016), so a result cached before is
   * not its answer any more.
   */
  public void forget(String runId) {
    recent.remove(runId);
  }

  /** The run's start request could not be written: nothing will answer its waiters. */
  public void fail(Hold hold, Throwable error) {
    waiting.remove(hold.runId(), hold.waiter);
    hold.future().completeExceptionally(error);
  }

  public boolean isWaiting(String runId) {
    return waiting.containsKey(runId);
  }

  /** Runs someone waits for. */
  public int size() {
    return waiting.size();
  }

  /** On close: every waiter learns that no result will come through this client. */
  public void failAll(String why) {
    for (String runId : waiting.keySet()) {
      Waiter w = waiting.remove(runId);
      if (w != null) {
        w.future.completeExceptionally(new IllegalStateException(why + " before the result of run " + runId + " arrived"));
      }
    }
  }
}
