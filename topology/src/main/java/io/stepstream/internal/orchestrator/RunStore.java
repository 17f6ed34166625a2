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

  RunStore(KeyValueStore<String, RunState> runs, KeyValueStore<String, JournalEntry> journal) {
    this.runs = runs;
    this.journal = journal;
    this.traces = new RunTraces(runs::get);
  }

  RunState run(String runId) {
    RunState state = runs.get(runId);
    traces.remember(state);
    return state;
  }

  void save(RunState state) {
    runs.put(state.getRunId(), state);
    traces.remember(state);
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

  void forEachRun(Consumer<RunState> action) {
    try (KeyValueIterator<String, RunState> it = runs.all()) {
      while (it.hasNext()) {
        KeyValue<String, RunState> kv = it.next();
        action.accept(kv.value);
      }
    }
  }
}
