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
      ApprovalCommands.ListPending.class, ApprovalCommands.Approve.class, ApprovalCommands.Reject.class, ApprovalCommands.SendSignal.class,
      PromiseCommands.class,
      RunsCommand.class, DlqCommand.class, StreamCommand.class
    })
public final class StepstreamCli {
  /** Exit code when the cluster refused this command's principal (credentials or ACLs). */
  static final int REFUSED = 3;

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    System.exit(code);
  }

  static CommandLine commandLine() {
    return new CommandLine(new StepstreamCli()).setExecutionExceptionHandler(StepstreamCli::refusedOrRethrow);
  }

  /**
   * A refusal by the cluster (wrong credentials, a missing ACL) is printed as its message, which
   * names the principal, topic and ACL, not as a stack trace (exit 3); so is a setting the engine or
   * client refused (exit 2, as for a bad option); anything else as picocli does.
   */
  private static int refusedOrRethrow(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
    if (e instanceof io.stepstream.client.NotAuthorizedException || causedBy(e, org.apache.kafka.common.errors.AuthenticationException.class)) {
      command.getErr().println("stepstream " + command.getCommandName() + ": " + e.getMessage());
      command.getErr().flush();
      return REFUSED;
    }
    if (e instanceof IllegalArgumentException) {
      // a setting the engine or client refused (a too-short approval secret, a bad property): its message says what to fix
      command.getErr().println("stepstream " + command.getCommandName() + ": " + e.getMessage());
      command.getErr().flush();
      return command.getCommandSpec().exitCodeOnInvalidInput();
    }
    throw e;
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
