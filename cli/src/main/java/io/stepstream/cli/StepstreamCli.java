package io.stepstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./stepstream}: the command line. */
@Command(
    name = "stepstream",
    mixinStandardHelpOptions = true,
    version = "stepstream 0.1.0",
    description = "Durable execution for AI agents on Kafka Streams.",
    subcommands = {
      EngineCommand.class, DemoCommand.class, DevCommand.class, StartCommand.class, ResultCommand.class, CancelCommand.class, ResumeCommand.class,
      ApprovalCommands.ListPending.class, ApprovalCommands.Approve.class, ApprovalCommands.Reject.class, ApprovalCommands.SendSignal.class
    })
public final class StepstreamCli {
  public static void main(String[] args) {
    int code = new CommandLine(new StepstreamCli()).execute(args);
    System.exit(code);
  }
}
