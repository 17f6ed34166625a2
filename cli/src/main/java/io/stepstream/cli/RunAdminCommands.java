package io.stepstream.cli;

import io.stepstream.client.CommandResult;
import io.stepstream.client.RestartResult;
import io.stepstream.client.ResumeParkedResult;
import io.stepstream.client.WorkflowClient;
import io.stepstream.internal.admin.AdminJson;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stepstream runs terminate|resume|restart} (ADR 0016, docs/operations.md "Admin
 * operations"). Each prints the engine's answer (exit 0 accepted, 3 rejected); {@code --json}
 * prints it in the HTTP API's shape.
 */
final class RunAdminCommands {
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);

  private RunAdminCommands() {}

  @Command(name = "terminate", description = "End a run at once, whatever it is doing: TERMINATED result, no compensations.")
  static final class Terminate implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "Run id.")
    String runId;

    @Option(names = "--reason", description = "Why (in the audit events and the result's message).")
    String reason;

    @Option(names = "--json", description = "Print the answer as JSON.")
    boolean json;

    @Override
    public Integer call() {
      try (WorkflowClient client = connection.client()) {
        CommandResult answer = client.terminate(runId, reason, System.getProperty("user.name"), ANSWER_WITHIN);
        return print(spec, json, runId, "terminate", answer);
      }
    }
  }

  @Command(name = "resume", description = "Resume a parked run, or with --all-parked every parked run (of --type): they go on with the code deployed now.")
  static final class Resume implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", description = "Run id (not with --all-parked).")
    String runId;

    @Option(names = "--all-parked", description = "Resume every parked run (one command per partition of the requests topic).")
    boolean allParked;

    @Option(names = "--type", description = "With --all-parked: only runs of this workflow type.")
    String type;

    @Option(names = "--json", description = "Print the answer as JSON.")
    boolean json;

    @Override
    public Integer call() {
      if (allParked == (runId != null)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give either a run id or --all-parked");
      }
      if (type != null && !allParked) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--type goes with --all-parked");
      }
      try (WorkflowClient client = connection.client()) {
        if (allParked) {
          ResumeParkedResult sent = client.resumeParked(Optional.ofNullable(type), System.getProperty("user.name"));
          PrintWriter out = spec.commandLine().getOut();
          out.println(json ? AdminJson.write(AdminJson.resumeParked(sent))
              : "sent to " + sent.partitions() + " partitions (command " + sent.commandId() + "); each partition audits"
                  + " RESUME_PARKED_REQUESTED and a RESUME_REQUESTED per run it resumes");
          out.flush();
          return 0;
        }
        return print(spec, json, runId, "resume", client.resume(runId, System.getProperty("user.name"), ANSWER_WITHIN));
      }
    }
  }

  @Command(name = "restart", description = "Run a run again from a step: earlier journal entries are kept, the step and all after it run again with the code deployed now.")
  static final class Restart implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "Run id.")
    String runId;

    @Option(names = "--from-step", required = true, description = "The step to run again (rejected with the run's steps if it has none of that name).")
    String fromStep;

    @Option(names = "--reason", description = "Why (in the audit event).")
    String reason;

    @Option(names = "--json", description = "Print the answer as JSON.")
    boolean json;

    @Override
    public Integer call() {
      try (WorkflowClient client = connection.client()) {
        RestartResult r = client.restart(runId, fromStep, reason, System.getProperty("user.name"), ANSWER_WITHIN);
        return print(spec, json, runId, "restart", new CommandResult(runId, r.commandId(), "restart", r.accepted(), r.detail()));
      }
    }
  }

  static int print(CommandSpec spec, boolean json, String runId, String command, CommandResult answer) {
    PrintWriter out = spec.commandLine().getOut();
    out.println(json ? AdminJson.write(AdminJson.command(runId, command, answer))
        : (answer.accepted() ? "accepted: " : "rejected: ") + answer.detail());
    out.flush();
    return answer.accepted() ? 0 : StepstreamCli.REFUSED;
  }
}
