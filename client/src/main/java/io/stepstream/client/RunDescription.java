package io.stepstream.client;

/**
 * One run in detail ({@link WorkflowClient#describe}): its summary, where it is, its input and
 * result, and which engine instance owns it.
 *
 * <pre>{@code
 * RunDescription run = client.describe("order-42").orElseThrow();
 * System.out.println(run.summary().status() + " at step " + run.currentStep() + " (attempt " + run.attempts() + ")");
 * }</pre>
 *
 * @param generation dispatches so far
 * @param entryCount journal entries recorded
 * @param cancelRequested a cancel was asked for and the run has not ended yet
 * @param currentStep the step running or last attempted, or null before the first
 * @param attempts attempts of {@code currentStep} so far, or null
 * @param input the run's input (null when it was not kept)
 * @param result a finished run's output, or null
 * @param error a failed run's error, or null
 * @param servedBy host:port of the engine instance that owns the run and answered
 * @param usage what the run's steps reported so far in total ({@code Usage.ZERO} if nothing, or from an older engine)
 */
public record RunDescription(
    RunSummary summary,
    int generation,
    int entryCount,
    boolean cancelRequested,
    String currentStep,
    Integer attempts,
    PayloadView input,
    PayloadView result,
    RunError error,
    String servedBy,
    io.stepstream.Usage usage) {

  public RunDescription {
    usage = usage == null ? io.stepstream.Usage.ZERO : usage;
  }

  /** A description without usage: the constructor of releases before usage reporting. */
  public RunDescription(
      RunSummary summary,
      int generation,
      int entryCount,
      boolean cancelRequested,
      String currentStep,
      Integer attempts,
      PayloadView input,
      PayloadView result,
      RunError error,
      String servedBy) {
    this(summary, generation, entryCount, cancelRequested, currentStep, attempts, input, result, error, servedBy, io.stepstream.Usage.ZERO);
  }
}
