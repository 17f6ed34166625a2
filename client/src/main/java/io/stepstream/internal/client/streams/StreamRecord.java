package io.stepstream.internal.client.streams;

/**
 * One record of {@code <prefix>.streams}, as its JSON value says (docs/streams.md "Record format").
 * {@code begin}, {@code chunk} and {@code end} come from a step attempt (non-transactional,
 * at-least-once, {@code seq} counting the attempt's records from 0); {@code run-end} comes from the
 * orchestrator's transaction when the run finishes ({@code status}: the run's final status).
 *
 * @param status {@code end}: {@code SUCCEEDED} or {@code FAILED}; {@code run-end}: the run's status; else null
 * @param error {@code end} of a failed attempt: what it failed with; else null
 * @param at when it was written, epoch millis
 */
public record StreamRecord(
    String type, String runId, String step, int attempt, String executionId, long seq, String text, String status, String error, long at) {
  public static final int VERSION = 1;
  public static final String BEGIN = "begin";
  public static final String CHUNK = "chunk";
  public static final String END = "end";
  public static final String RUN_END = "run-end";
  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String FAILED = "FAILED";

  public static StreamRecord begin(String runId, String step, int attempt, String executionId, long at) {
    return new StreamRecord(BEGIN, runId, step, attempt, executionId, 0, null, null, null, at);
  }

  public static StreamRecord chunk(String runId, String step, int attempt, String executionId, long seq, String text, long at) {
    return new StreamRecord(CHUNK, runId, step, attempt, executionId, seq, text, null, null, at);
  }

  public static StreamRecord end(String runId, String step, int attempt, String executionId, long seq, boolean succeeded, String error, long at) {
    return new StreamRecord(END, runId, step, attempt, executionId, seq, null, succeeded ? SUCCEEDED : FAILED, error, at);
  }

  public static StreamRecord runEnd(String runId, String status, long at) {
    return new StreamRecord(RUN_END, runId, null, 0, null, 0, null, status, null, at);
  }
}
