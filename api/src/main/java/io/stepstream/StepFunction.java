package io.stepstream;

/** The body of a step. May do I/O; may throw to fail the step. */
@FunctionalInterface
public interface StepFunction<T> {
  T apply(StepContext step) throws Exception;
}
