package io.stepstream.client;

/**
 * The engine's answer to an admin command about one run ({@link WorkflowClient#terminate},
 * {@link WorkflowClient#restart}).
 *
 * @param runId the run
 * @param commandId the command's id (on the audit events that answer it)
 * @param command {@code terminate} or {@code restart}
 * @param accepted true if the engine applied it ({@code TERMINATE_REQUESTED}, {@code RESTART_REQUESTED})
 * @param detail the answer's detail: what was done, or why not (e.g. "run order-42 already ended COMPLETED; nothing to terminate")
 */
public record CommandResult(String runId, String commandId, String command, boolean accepted, String detail) {}
