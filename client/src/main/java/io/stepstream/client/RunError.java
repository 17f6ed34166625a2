package io.stepstream.client;

/**
 * Why a run or a step failed, as a query shows it.
 *
 * <pre>{@code
 * client.describe("order-42").map(RunDescription::error).ifPresent(e -> log.warn("{}: {}", e.type(), e.message()));
 * }</pre>
 *
 * @param type the error type (chosen by the workflow, an engine code, or the exception class)
 * @param message what happened
 * @param step the step it belongs to, or null
 * @param details what the workflow attached to its failure, or null
 */
public record RunError(String type, String message, String step, PayloadView details) {}
