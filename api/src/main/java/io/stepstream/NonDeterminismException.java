package io.stepstream;

/**
 * The workflow code no longer matches the run's journal: a name recorded by {@code step} is now
 * reached by another kind of call, or an unnamed {@code now()}/{@code randomUUID()} was added or
 * removed before journaled entries. The run is <b>parked</b>, not failed, and nothing in its journal
 * changes; no compensation runs. Fix the code (or restore the old version), then {@code stepstream
 * resume RUN}.
 *
 * <p>Catching it does not help: once thrown, every later call on the context throws it again and
 * the run is parked whatever the workflow returns.
 */
public class NonDeterminismException extends RuntimeException {
  /** {@code ErrorInfo.type} of the parked run's completion. */
  public static final String TYPE = "NON_DETERMINISM";

  public NonDeterminismException(String message) {
    super(message);
  }

  /** The error type recorded with the parked run. */
  public String errorType() {
    return TYPE;
  }
}
