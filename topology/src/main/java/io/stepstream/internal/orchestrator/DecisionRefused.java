package io.stepstream.internal.orchestrator;

/**
 * A decision that must not be applied: {@code code} is the DLQ's {@code stepstream.error.type},
 * the message says what happened, to which run and approval, and what to do.
 */
final class DecisionRefused extends Exception {
  private final String code;

  DecisionRefused(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  String code() {
    return code;
  }
}
