package io.stepstream;

/**
 * The engine's answer to a resume request: accepted (the parked run is dispatched again with the
 * code deployed now) or rejected with the reason (unknown run, not parked).
 */
public record ResumeResult(String runId, boolean accepted, String detail) {}
