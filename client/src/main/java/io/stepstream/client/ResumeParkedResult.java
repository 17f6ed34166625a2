package io.stepstream.client;

/**
 * A resume of all parked runs was sent ({@link WorkflowClient#resumeParked}): one command record per
 * partition of the requests topic. Each partition answers on the events topic with {@code
 * RESUME_PARKED_REQUESTED} (how many parked runs it has) and one {@code RESUME_REQUESTED} per run
 * it resumes, all carrying {@code commandId}.
 *
 * @param commandId the command's id
 * @param partitions how many partitions it was sent to
 */
public record ResumeParkedResult(String commandId, int partitions) {}
