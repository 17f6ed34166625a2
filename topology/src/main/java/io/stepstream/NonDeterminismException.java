package io.stepstream;

/**
 * The workflow code no longer matches the run's journal (for example, a name recorded by {@code
 * step} is now reached by another kind of call). The run is <b>parked</b>, not failed and not
 * changed: fix the code (or restore the old version) and restart the instance; parked runs are
 * resumed on start-up.
 */
public class NonDeterminismException extends RuntimeException {
  public NonDeterminismException(String message) {
    super(message);
  }
}
