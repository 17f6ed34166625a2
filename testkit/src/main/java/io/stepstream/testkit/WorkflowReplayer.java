package io.stepstream.testkit;

import io.stepstream.RetryPolicy;
import io.stepstream.Workflow;
import io.stepstream.WorkflowRegistrar;
import io.stepstream.WorkflowRegistration;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.executor.HistoryReplay;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Objects;

/**
 * Replays recorded run histories against the current workflow code, <b>without running step
 * bodies</b> (recorded steps answer from the journal; no tool is called), and reports where the code
 * no longer matches what runs recorded: the check to run before deploying changed workflow code
 * while runs are in flight.
 *
 * <pre>{@code
 * @Test
 * void theCurrentCodeReplaysEveryRecordedHistory() {
 *   WorkflowReplayer.of(new OrderWorkflows())
 *       .replay(HistorySource.fromFiles(Path.of("src/test/resources/histories")))
 *       .assertDeterministic();
 * }
 * }</pre>
 *
 * <p>Found for every run (what the engine would park the run for): a name the code now reaches with
 * another kind of call than recorded it (a step where a sleep was), an unnamed {@code ctx.now()} or
 * {@code ctx.randomUUID()} added or removed before a recorded entry, a recorded value the code's
 * types no longer decode. For a finished run (COMPLETED, FAILED) also: the code asking for a step,
 * wait or value the history does not have, journaled steps the code no longer reaches, and a
 * different outcome (completes where it failed, or the reverse). A run still in flight may go on
 * past its history: the report names the step it would run next.
 */
public final class WorkflowReplayer {
  private final WorkflowRegistry registry;

  private WorkflowReplayer(WorkflowRegistry registry) {
    this.registry = registry;
  }

  /** A replayer for the workflows of these registrars. */
  public static WorkflowReplayer of(WorkflowRegistrar... registrars) {
    Builder builder = builder();
    for (WorkflowRegistrar r : registrars) {
      builder.register(r);
    }
    return builder.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Replays one history. */
  public ReplayReport replay(WorkflowHistory history) {
    String status = history.recordedStatus() == null ? null : history.recordedStatus().name();
    var workflow = registry.find(history.workflowType());
    if (workflow.isEmpty()) {
      return new ReplayReport(history.runId(), history.workflowType(), status,
          "run " + history.runId() + ": its workflow type '" + history.workflowType() + "' is not registered with the replayer (registered: "
              + registry.types() + "); a type removed while runs of it are in flight leaves them unable to finish",
          null);
    }
    HistoryReplay.Outcome outcome =
        HistoryReplay.replay(workflow.get(), history.runId(), history.input(), history.entriesByName(), history.recordedStatus());
    return new ReplayReport(history.runId(), history.workflowType(), status, outcome.problem(), outcome.historyEndedAt());
  }

  /** Replays every history. */
  public ReplayReports replay(Collection<WorkflowHistory> histories) {
    return new ReplayReports(histories.stream().map(this::replay).toList());
  }

  /** Replays the history files in {@code fileOrDirectory} ({@code *.json}, see {@link HistorySource#fromFiles}). */
  public ReplayReports replayFiles(Path fileOrDirectory) {
    return replay(HistorySource.fromFiles(fileOrDirectory));
  }

  /** Registers workflows as {@code Stepstream.Builder} does (the code under test: the new version). */
  public static final class Builder implements WorkflowRegistration {
    private final Registrations registrations = new Registrations();

    private Builder() {}

    @Override
    public <I, O> Builder register(String workflowType, Class<I> inputType, Workflow<I, O> workflow) {
      registrations.register(workflowType, inputType, workflow);
      return this;
    }

    @Override
    public <I, O> Builder register(String workflowType, Class<I> inputType, Workflow<I, O> workflow, RetryPolicy retry) {
      registrations.register(workflowType, inputType, workflow, retry);
      return this;
    }

    /** Registers a session type: histories of its turns (runs of type {@code session:<name>}) replay like any run's. */
    @Override
    public Builder register(io.stepstream.SessionType<?> sessionType) {
      registrations.register(sessionType);
      return this;
    }

    public Builder register(WorkflowRegistrar registrar) {
      registrations.register(registrar);
      return this;
    }

    public Builder defaultRetryPolicy(RetryPolicy policy) {
      registrations.defaultRetry(Objects.requireNonNull(policy, "policy"));
      return this;
    }

    public WorkflowReplayer build() {
      return new WorkflowReplayer(registrations.build());
    }
  }
}
