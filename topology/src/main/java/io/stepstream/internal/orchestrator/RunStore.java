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
  private Consumer<RunState> onFinished = state -> {};
  /**
   * Runs stored, exactly: counted by the resume scan's full read of the headers, then kept up by
   * {@link #created} and {@link #removeRun}; -1 until that scan (RocksDB's estimate is used meanwhile:
   * it counts rewritten keys until compaction, a run's header several times).
   */
  private long stored = -1;

  RunStore(KeyValueStore<String, RunState> runs, KeyValueStore<String, JournalEntry> journal) {
    this.runs = runs;
    this.journal = journal;
    this.traces = new RunTraces(runs::get);
  }

  /** Told each time a finished run's header is saved (retention schedules its expiry there). */
  RunStore onFinished(Consumer<RunState> listener) {
    this.onFinished = listener;
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
    if (runs.get(runId) != null && stored > 0) {
      stored--;
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
