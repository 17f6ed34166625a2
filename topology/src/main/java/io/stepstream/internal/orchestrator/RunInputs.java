package io.stepstream.internal.orchestrator;

import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunState;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Where a run's input lives: in its journal, as the entry {@value #ENTRY} (kind INPUT), written once
 * when the run starts. The run header ({@link RunState}) is rewritten at every transition (dispatch,
 * wait, wake, end), so a copy of a 500 KB input there would be written to the changelog again at
 * each of them; the entry is written once.
 *
 * <p>Runs started by releases before this entry existed keep their input in the header's
 * {@code input} field; {@link #of} reads both, so they keep running after an upgrade.
 */
public final class RunInputs {
  /** The journal entry holding a run's input (engine-generated names start with '$'). */
  public static final String ENTRY = "$input";

  private RunInputs() {}

  /** The entry to journal for a new run's input (null input: no entry). */
  static JournalEntry entry(String runId, Payload input, long now) {
    return JournalEntry.newBuilder()
        .setRunId(runId)
        .setName(ENTRY)
        .setKind(EntryKind.INPUT)
        .setSucceeded(true)
        .setValue(input)
        .setGeneration(0)
        .setRecordedAt(now)
        .build();
  }

  /**
   * The input of {@code run}, whose journal entries are looked up by {@code entries} (run id, name):
   * the {@value #ENTRY} entry, else (a run stored by an older release) the header's copy; null if
   * it has none.
   */
  public static Payload of(RunState run, BiFunction<String, String, JournalEntry> entries) {
    JournalEntry entry = entries.apply(run.getRunId(), ENTRY);
    return entry != null ? entry.getValue() : run.getInput();
  }

  /**
   * Takes the input out of a journal read for an execution or a replay: executions get the input
   * on its own, and the entry is not something workflow code reaches.
   */
  public static Payload take(RunState run, Map<String, JournalEntry> journal) {
    JournalEntry entry = journal.remove(ENTRY);
    return entry != null ? entry.getValue() : run.getInput();
  }
}
