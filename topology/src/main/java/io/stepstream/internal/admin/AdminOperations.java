package io.stepstream.internal.admin;

import io.stepstream.client.CommandResult;
import io.stepstream.client.DeadLetterPage;
import io.stepstream.client.DeadLetterQuery;
import io.stepstream.client.DeadLetterRef;
import io.stepstream.client.RedriveResult;
import io.stepstream.client.ResumeParkedResult;
import java.util.List;
import java.util.Optional;

/**
 * What {@link AdminRoutes} does, on behalf of {@code by} (the HTTP caller): the engine supplies it
 * over its own {@code WorkflowClient} (internals do not use the facades themselves).
 */
public interface AdminOperations {
  CommandResult terminate(String runId, String reason, String by);

  CommandResult cancel(String runId, String reason, String by);

  CommandResult resume(String runId, String by);

  CommandResult restart(String runId, String fromStep, String reason, String by);

  ResumeParkedResult resumeParked(Optional<String> workflowType, String by);

  DeadLetterPage deadLetters(DeadLetterQuery query);

  RedriveResult redrive(List<DeadLetterRef> refs, String by);
}
