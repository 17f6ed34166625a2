package io.stepstream;

/**
 * A value in the run's journal (a step result, a recorded time, an event, the run's input) no
 * longer decodes as the type the code now asks for, typically because a record or POJO changed
 * after the value was recorded. The run is <b>parked</b> with error type {@code
 * UNDECODABLE_JOURNAL}: not failed, no compensation runs, the journal is untouched.
 *
 * <p>To continue: make the type read the recorded shape again (add the old field back, give a new
 * field a default, or accept both shapes with {@code @JsonAlias}/{@code @JsonCreator}), or restore
 * the old code; then {@code stepstream resume RUN}.
 */
public class UndecodableJournalException extends NonDeterminismException {
  /** {@code ErrorInfo.type} of the parked run's completion. */
  public static final String TYPE = "UNDECODABLE_JOURNAL";

  private final String entry;
  private final String javaType;

  /**
   * @param entry what could not be decoded, for example {@code step 'quote'} or {@code the input}
   * @param javaType the class the code asked for
   * @param reason the decoder's message
   */
  public UndecodableJournalException(String runId, String entry, String javaType, String reason) {
    super("run " + runId + " is parked: the journaled value of " + entry + " cannot be decoded as " + javaType + " (" + reason
        + "). The type changed since the value was recorded: fix the type or restore the old code so that it"
        + " reads the recorded value, then `stepstream resume " + runId + "`");
    this.entry = entry;
    this.javaType = javaType;
  }

  /** What could not be decoded, for example {@code step 'quote'}. */
  public String entry() {
    return entry;
  }

  /** The class the code asked for. */
  public String javaType() {
    return javaType;
  }

  @Override
  public String errorType() {
    return TYPE;
  }
}
