package io.stepstream.client;

/**
 * The engine's answer to {@link WorkflowClient#restart}.
 *
 * @param runId the run
 * @param commandId the command's id (on {@code RESTART_REQUESTED} / {@code RESTART_REJECTED})
 * @param accepted true if the run was restarted
 * @param detail what was removed and kept, or why it was not restarted (e.g. the steps its journal has)
 * @param run when accepted: a handle whose result is the one the run ends with after this restart
 *     (registered before the command was sent; an earlier result of the run does not complete it);
 *     null when rejected
 */
public record RestartResult(String runId, String commandId, boolean accepted, String detail, RunHandle run) {}
