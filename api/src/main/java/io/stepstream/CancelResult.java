package io.stepstream;

/**
 * The engine's answer to a cancel request: accepted (the run stops at its next step boundary, runs
 * its compensations and ends CANCELLED) or rejected with the reason (unknown run, already finished,
 * already being cancelled).
 */
public record CancelResult(String runId, boolean accepted, String detail) {}
