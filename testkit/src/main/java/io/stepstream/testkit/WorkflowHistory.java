package io.stepstream.testkit;

import io.stepstream.RunStatus;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.internal.codec.Results;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one run recorded: its id, workflow type, input, journal and status when the history was
 * taken. {@link WorkflowReplayer} replays it against the current code. Comes from a test environment
 * ({@link WorkflowTestEnvironment#history}), a history file ({@link #readFrom(Path)}, format in
 * docs/testing.md), or a running cluster ({@link HistorySource#fromChangelog}).
 *
 * <pre>{@code
 * env.exportHistory(runId, Path.of("src/test/resources/histories/refund-approved.json"));
 * // later, against changed code:
 * WorkflowHistory h = WorkflowHistory.readFrom(Path.of("src/test/resources/histories/refund-approved.json"));
 * WorkflowReplayer.of(new RefundWorkflows()).replay(h).assertDeterministic();
 * }</pre>
 */
public final class WorkflowHistory {
  private final String runId;
  private final String workflowType;
  private final Payload input;
  private final List<JournalEntry> entries;
  private final io.stepstream.avro.RunStatus status;

  WorkflowHistory(String runId, String workflowType, Payload input, List<JournalEntry> entries, io.stepstream.avro.RunStatus status) {
    this.runId = runId;
    this.workflowType = workflowType;
    this.input = input;
    this.entries = List.copyOf(entries);
    this.status = status;
  }

  /** Reads a history file written by {@link #writeTo} (or by hand, in the same format). */
  public static WorkflowHistory readFrom(Path file) {
    return HistoryFormat.read(file);
  }

  /** Writes this history as a history file (JSON, format version {@value HistoryFormat#VERSION}). */
  public void writeTo(Path file) {
    HistoryFormat.write(this, file);
  }

  public String runId() {
    return runId;
  }

  public String workflowType() {
    return workflowType;
  }

  /** The run's status when the history was taken; empty if it was not known. */
  public Optional<RunStatus> status() {
    return Optional.ofNullable(status).map(Results::status);
  }

  /** The recorded journal, in recorded order. */
  public List<JournalRecord> journal() {
    return entries.stream().map(JournalRecord::of).toList();
  }

  /** The run's input as JSON text (or a description of an Avro input). */
  public String inputText() {
    return io.stepstream.internal.codec.PayloadValue.of(input).text();
  }

  Payload input() {
    return input;
  }

  List<JournalEntry> entries() {
    return entries;
  }

  Map<String, JournalEntry> entriesByName() {
    Map<String, JournalEntry> byName = new LinkedHashMap<>();
    entries.forEach(e -> byName.put(e.getName(), e));
    return byName;
  }

  io.stepstream.avro.RunStatus recordedStatus() {
    return status;
  }

  @Override
  public String toString() {
    return "WorkflowHistory{" + runId + " " + workflowType + " " + (status == null ? "status unknown" : status) + ", " + entries.size() + " entries}";
  }
}
