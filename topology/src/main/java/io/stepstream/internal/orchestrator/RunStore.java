package io.stepstream.internal.orchestrator;

import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The two stores of one task: run headers ({@code runId -> RunState}) and journal entries, one store
 * entry per entry ({@code runId \0 name -> JournalEntry}), so recording a step writes one small
 * changelog record instead of the whole history.
 */
final class RunStore {
  /** Separates run id from entry name; run ids containing it are rejected at the door. */
  static final char SEPARATOR = '\u0000';

  private static final StringSerializer KEYS = new StringSerializer();
  private final KeyValueStore<String, RunState> runs;
  private final KeyValueStore<String, JournalEntry> journal;
  private final RunTraces traces;
  /** Runs by creation time (newest first), for run lists: {@link io.stepstream.internal.query.RunTimeIndex}; null in unit tests. */
  private final KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> byTime;
  private Consumer<RunState> onFinished = state -> {};
  /**
   * Runs stored, exactly: counted by the resume scan's full read of the headers, then kept up by
   * {@link #created} and {@link #removeRun}; -1 until that scan (RocksDB's estimate is used meanwhile:
   * it counts rewritten keys until compaction, a run's header several times).
   */
  private long stored = -1;

  RunStore(KeyValueStore<String, RunState> runs, KeyValueStore<String, JournalEntry> journal) {
    this(runs, journal, null);
  }

  RunStore(KeyValueStore<String, RunState> runs, KeyValueStore<String, JournalEntry> journal,
      KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> byTime) {
    this.runs = runs;
    this.journal = journal;
    this.byTime = byTime;
    this.traces = new RunTraces(runs::get);
  }

  // ---- runs-by-time index (queries) ----

  /** A new run: listed from now on (once per run; its creation time never changes). */
  void indexNew(RunState state) {
    if (byTime != null) {
      byTime.put(io.stepstream.internal.query.RunTimeIndex.key(state.getCreatedAt(), state.getRunId()), io.stepstream.internal.query.RunTimeIndex.PRESENT);
    }
  }

  /** Name of the journal entry that keeps a finished run's output or error, for queries (kind UNKNOWN: never replayed). */
  static final String RESULT_ENTRY = io.stepstream.internal.query.RunViews.RESULT_ENTRY;

  /**
   * A finished run's result kept in its journal ({@link #RESULT_ENTRY}) so a query can show it
   * without reading the results topic. Kind UNKNOWN: replay ignores it, and no execution runs for a
   * finished run anyway; retention removes it with the rest of the journal. The test kit's journal
   * and histories leave it out (it is not something the workflow code recorded).
   */
  void recordResult(io.stepstream.avro.WorkflowResult result) {
    overwrite(JournalEntry.newBuilder() // the latest end wins (a run restarted from a step ends again)
        .setRunId(result.getRunId())
        .setName(RESULT_ENTRY)
        .setKind(io.stepstream.avro.EntryKind.UNKNOWN)
        .setSucceeded(result.getStatus() == io.stepstream.avro.RunStatus.COMPLETED)
        .setValue(result.getOutput())
        .setError(result.getError())
        .setGeneration(-1)
        .setRecordedAt(result.getFinishedAt())
        .build());
  }

  /** A run removed from the store (retention) leaves the index with it. */
  void unindex(RunState state) {
    if (byTime != null) {
      byTime.delete(io.stepstream.internal.query.RunTimeIndex.key(state.getCreatedAt(), state.getRunId()));
    }
  }

  /**
   * Runs stored before the index existed (an upgrade) are indexed once: when this task's index is
   * empty but it has runs. One read of the runs store, then never again for this task.
   */
  int backfillIndexIfEmpty() {
    if (byTime == null) {
      return 0;
    }
    try (KeyValueIterator<org.apache.kafka.common.utils.Bytes, byte[]> it = byTime.all()) {
      if (it.hasNext()) {
        return 0;
      }
    }
    int[] added = {0};
    forEachRun(state -> {
      indexNew(state);
      added[0]++;
    });
    return added[0];
  }

  /** Told each time a finished run's header is saved (retention schedules its expiry there; tasks tell workers). Listeners add up. */
  RunStore onFinished(Consumer<RunState> listener) {
    this.onFinished = this.onFinished.andThen(listener);
    return this;
  }

  RunState run(String runId) {
    RunState state = runs.get(runId);
    traces.remember(state);
    return state;
  }

  void save(RunState state) {
    runs.put(state.getRunId(), state);
    traces.remember(state);
    if (RequestHandler.isFinished(state)) {
      onFinished.accept(state);
    }
  }

  /**
   * Removes the run: its header and every journal entry (one prefix seek), each a changelog
   * tombstone. Returns how many journal entries went.
   */
  int removeRun(String runId) {
    java.util.List<String> keys = new java.util.ArrayList<>();
    try (KeyValueIterator<String, JournalEntry> it = journal.prefixScan(runId + SEPARATOR, KEYS)) {
      it.forEachRemaining(kv -> keys.add(kv.key));
    }
    keys.forEach(journal::delete); // not while iterating
    RunState header = runs.get(runId);
    if (header != null) {
      unindex(header); // queries stop listing it
      if (stored > 0) {
        stored--;
      }
    }
    runs.delete(runId);
    traces.forget(runId);
    return keys.size();
  }

  /** Headers from {@code fromRunId} on (inclusive, key order), at most {@code limit}: a bounded slice of a sweep. */
  java.util.List<RunState> runsFrom(String fromRunId, int limit) {
    java.util.List<RunState> found = new java.util.ArrayList<>();
    try (KeyValueIterator<String, RunState> it = runs.range(fromRunId, null)) {
      while (it.hasNext() && found.size() < limit) {
        found.add(it.next().value);
      }
    }
    return found;
  }


  /** Trace contexts of this task's runs (what their output records carry). */
  RunTraces traces() {
    return traces;
  }

  JournalEntry entry(String runId, String name) {
    return journal.get(runId + SEPARATOR + name);
  }

  void delete(String runId, String name) {
    journal.delete(runId + SEPARATOR + name);
  }

  /** Entries of a run whose names start with {@code namePrefix} (one seek, not a scan of the run). */
  java.util.List<JournalEntry> entriesStartingWith(String runId, String namePrefix) {
    java.util.List<JournalEntry> found = new java.util.ArrayList<>();
    try (KeyValueIterator<String, JournalEntry> it = journal.prefixScan(runId + SEPARATOR + namePrefix, KEYS)) {
      it.forEachRemaining(kv -> found.add(kv.value));
    }
    return found;
  }

  /** Heartbeat details: the last one wins. */
  void overwrite(JournalEntry entry) {
    journal.put(entry.getRunId() + SEPARATOR + entry.getName(), entry);
  }

  /** True if the entry was new (first outcome wins). */
  boolean recordIfAbsent(JournalEntry entry) {
    String key = entry.getRunId() + SEPARATOR + entry.getName();
    if (journal.get(key) != null) {
      return false;
    }
    journal.put(key, entry);
    return true;
  }

  /**
   * {@link #recordIfAbsent}, stamping the entry with the run's next journal sequence (the order a
   * restart from a step cuts by, ADR 0016). The caller saves {@code state}.
   */
  boolean recordInOrder(RunState state, JournalEntry entry) {
    String key = entry.getRunId() + SEPARATOR + entry.getName();
    if (journal.get(key) != null) {
      return false;
    }
    entry.setSequence(state.getJournalSequence());
    state.setJournalSequence(state.getJournalSequence() + 1);
    journal.put(key, entry);
    return true;
  }

  /** {@link #recordInOrder}, and saves the run's state (its sequence moved on) for callers that may not. */
  boolean recordInOrderAndSave(RunState state, JournalEntry entry) {
    if (!recordInOrder(state, entry)) {
      return false;
    }
    save(state);
    return true;
  }

  Map<String, JournalEntry> journalOf(String runId) {
    Map<String, JournalEntry> entries = new HashMap<>();
    try (KeyValueIterator<String, JournalEntry> it = journal.prefixScan(runId + SEPARATOR, KEYS)) {
      it.forEachRemaining(kv -> entries.put(kv.value.getName(), kv.value));
    }
    return entries;
  }

  /** Every header, once (the resume scan on assignment); also counts them. */
  void forEachRun(Consumer<RunState> action) {
    long n = 0;
    try (KeyValueIterator<String, RunState> it = runs.all()) {
      while (it.hasNext()) {
        KeyValue<String, RunState> kv = it.next();
        action.accept(kv.value);
        n++;
      }
    }
    stored = n;
  }

  /** A new run's header is about to be saved for the first time. */
  void created() {
    if (stored >= 0) {
      stored++;
    }
  }

  /** Runs stored: exact once the resume scan has counted them, RocksDB's estimate before. */
  long storedRuns() {
    return stored >= 0 ? stored : runs.approximateNumEntries();
  }
}
