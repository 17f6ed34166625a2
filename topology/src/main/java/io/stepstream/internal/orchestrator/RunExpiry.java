package io.stepstream.internal.orchestrator;

import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Retention of one task (ADR 0015): a finished run (COMPLETED, FAILED, CANCELLED, or any other
 * status {@link RequestHandler#isFinished} calls final) is removed from the stores once it has been
 * finished for the retention window; a run that is not finished never is.
 *
 * <p>The expiry index ({@code stepstream-expiry}) is ordered by due time like {@link TimerStore}:
 * a run is indexed when its finished header is saved (same transaction), and each tick takes at most
 * {@code maxPerTick} due entries from its front: O(due) work, no scan of the runs. Removing a run
 * deletes its header, every journal entry (one prefix seek; the input, steps, waits, buffered
 * decisions and events, child starts and results, promise settlements) and any timer it still has;
 * each delete is a changelog tombstone, so the changelogs shrink too once compacted.
 *
 * <p>Runs finished before this index existed (an upgrade), or indexed under a longer window than the
 * current one, are found by a <b>sweep</b>: after each assignment the task walks its runs store in
 * key order, {@code sweepBatch} headers per tick, indexing (or removing, if already due) every
 * finished run it meets. That is one pass over the task's headers per assignment, spread over ticks,
 * and writes nothing for runs already indexed.
 *
 * <p>An index entry is a hint, not a verdict: when it fires, the run is removed only if it is still
 * finished and has been for the current window (an entry written under a longer window, or left by
 * a run whose id now belongs to a new run, does nothing; one written under a shorter window is
 * moved to the run's due time).
 */
final class RunExpiry {
  /** Budget per tick (a tick is ~20 ms): up to this many runs removed, so a backlog cannot stall the task. */
  static final int DEFAULT_MAX_PER_TICK = 500;
  /** Headers the sweep reads per tick. */
  static final int DEFAULT_SWEEP_BATCH = 1_000;

  private final RunStore store;
  private final TimerStore timers;
  private final TimerStore index;
  private final KeyValueStore<Bytes, String> indexStore;
  private final long retentionMs;
  private final EngineMetrics metrics;
  private final int maxPerTick;
  private final int sweepBatch;
  /**
   * Nothing in the index is due before this (in memory; 0 after a restart): every entry is written
   * for a time at or after the tick that writes it, so each tick reads from the last due time it took
   * instead of stepping over the tombstones of every entry taken before.
   */
  private long floor;
  /** Next run id the sweep reads from; null once it went through every header. */
  private String sweepFrom = "";
  private java.util.function.Consumer<List<io.stepstream.avro.ClaimCheck>> payloadsExpired = refs -> {};

  RunExpiry(RunStore store, TimerStore timers, KeyValueStore<Bytes, String> indexStore, Duration retention, EngineMetrics metrics) {
    this(store, timers, indexStore, retention, metrics, DEFAULT_MAX_PER_TICK, DEFAULT_SWEEP_BATCH);
  }

  RunExpiry(RunStore store, TimerStore timers, KeyValueStore<Bytes, String> indexStore, Duration retention, EngineMetrics metrics,
      int maxPerTick, int sweepBatch) {
    this.store = store;
    this.timers = timers;
    this.indexStore = indexStore;
    this.index = new TimerStore(indexStore);
    this.retentionMs = Math.max(0, retention.toMillis());
    this.metrics = metrics;
    this.maxPerTick = maxPerTick;
    this.sweepBatch = sweepBatch;
  }

  /** A finished run's header was saved: index it at its due time (the same key again if saved twice). */
  void onFinished(RunState state) {
    schedule(dueAt(state), state.getRunId());
  }

  private void schedule(long dueAt, String runId) {
    floor = Math.min(floor, dueAt); // normally a no-op: due times lie ahead (a clock that stepped back, say)
    index.schedule(dueAt, runId);
  }

  /** One tick: removes due runs (bounded), then sweeps a slice of the headers while a sweep is on. */
  void tick(long now) {
    int budget = maxPerTick;
    List<TimerStore.Due> taken = index.takeDue(floor, now, budget);
    if (!taken.isEmpty()) {
      floor = taken.get(taken.size() - 1).dueAt();
    }
    for (TimerStore.Due due : taken) {
      RunState state = store.run(due.runId());
      if (state == null || !RequestHandler.isFinished(state)) {
        continue; // already removed, or the id belongs to a new run now (it is indexed when it finishes)
      }
      long dueAt = dueAt(state);
      if (dueAt > now) {
        schedule(dueAt, state.getRunId()); // the window is longer than when this entry was written
      } else {
        remove(state);
        budget--;
      }
    }
    if (sweepFrom != null && budget > 0) {
      sweep(now, budget);
    }
  }

  /** True while the start-up sweep has headers left to read. */
  boolean sweeping() {
    return sweepFrom != null;
  }

  private void sweep(long now, int budget) {
    List<RunState> slice = store.runsFrom(sweepFrom, sweepBatch);
    int removed = 0;
    for (RunState state : slice) {
      if (!RequestHandler.isFinished(state)) {
        continue;
      }
      long dueAt = dueAt(state);
      if (dueAt <= now && removed < budget) {
        remove(state);
        removed++;
      } else if (indexStore.get(TimerStore.key(dueAt, state.getRunId())) == null) {
        schedule(dueAt, state.getRunId()); // finished before the index existed, or under another window
      }
    }
    // the smallest key after the last one read: run ids never contain NUL (RunStore.SEPARATOR)
    sweepFrom = slice.size() < sweepBatch ? null : slice.get(slice.size() - 1).getRunId() + RunStore.SEPARATOR;
  }

  private long dueAt(RunState state) {
    // a finished run's header is last written when it ends: updatedAt is when it finished
    long finishedAt = Math.max(state.getUpdatedAt(), state.getCreatedAt());
    return finishedAt > Long.MAX_VALUE - retentionMs ? Long.MAX_VALUE : finishedAt + retentionMs;
  }

  /** Told the claim-checked values of each run removed, before its journal goes (ADR 0021). */
  RunExpiry onPayloadsExpired(java.util.function.Consumer<List<io.stepstream.avro.ClaimCheck>> listener) {
    this.payloadsExpired = listener;
    return this;
  }

  private void remove(RunState state) {
    String runId = state.getRunId();
    var claimChecked = PayloadTombstones.of(state, store.journalOf(runId));
    if (!claimChecked.isEmpty()) {
      payloadsExpired.accept(claimChecked);
    }
    if (state.getWakeAt() != null) {
      timers.cancel(state.getWakeAt(), runId);
    }
    JournalEntry early = store.entry(runId, EarlyInputs.MARKER);
    if (early != null && early.getDueAt() != null) {
      timers.cancel(early.getDueAt(), runId);
    }
    store.removeRun(runId);
    metrics.runsExpired.incrementAndGet();
  }
}
