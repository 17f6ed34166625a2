package io.stepstream.internal.executor;

import io.stepstream.NonDeterminismException;

/**
 * A step names a limiter the engine does not declare: the run is parked (error type {@code
 * UNKNOWN_LIMITER}), not failed, because the fix is in the deployment, not in the run: declare the
 * limiter on every instance ({@code Stepstream.builder().limiter(...)}), restart, and the run
 * resumes (or {@code stepstream resume RUN}).
 */
final class LimiterNotDeclared extends NonDeterminismException {
  static final String TYPE = "UNKNOWN_LIMITER";

  LimiterNotDeclared(String message) {
    super(message);
  }

  @Override
  public String errorType() {
    return TYPE;
  }
}
