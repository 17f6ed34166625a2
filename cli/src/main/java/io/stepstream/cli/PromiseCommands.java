package io.stepstream.cli;

import io.stepstream.client.WorkflowClient;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.PromiseIds;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code stepstream promise complete|fail ID}: settle a durable promise a workflow handed out
 * ({@code ctx.promise(name, type).id()}). The id is all that is needed; a malformed one is refused
 * before anything is sent (exit 2).
 */
@Command(name = "promise", description = "Complete or fail a durable promise by its id (prm_...).",
    subcommands = {PromiseCommands.Complete.class, PromiseCommands.Fail.class})
final class PromiseCommands {

  @Command(name = "complete", description = "Complete a promise: stepstream promise complete ID --json VALUE.")
  static final class Complete implements Callable<Integer> {
    @Mixin ConnectionOptions connection;

    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "The promise id the workflow handed out (prm_...).")
    String promiseId;

    @Option(names = "--json", defaultValue = "null", description = "The value as JSON (default null, for a promise of Void).")
    String json;

    @Override
    public Integer call() throws Exception {
      PromiseIds.Parsed id = PromiseIds.parse(promiseId); // refused before connecting
      Object value = value(json);
      try (WorkflowClient client = connection.client()) {
        client.completePromise(promiseId, value);
      }
      spec.commandLine().getOut().println("completion of promise '" + id.name() + "' of run " + id.runId()
          + " sent; the events topic shows whether it settled the promise (SIGNAL_RECEIVED) or came too late (SIGNAL_IGNORED)");
      spec.commandLine().getOut().flush();
      return 0;
    }

    static Object value(String json) {
      try {
        var tree = PayloadCodec.json().readTree(json);
        return tree == null || tree.isNull() ? null : tree;
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("--json is not valid JSON: " + e.getMessage()
            + " (a string needs quotes inside the shell's: --json '\"yes\"')");
      }
    }
  }

  @Command(name = "fail", description = "Fail a promise: stepstream promise fail ID --type TYPE [--message TEXT].")
  static final class Fail implements Callable<Integer> {
    @Mixin ConnectionOptions connection;

    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "The promise id the workflow handed out (prm_...).")
    String promiseId;

    @Option(names = "--type", required = true, description = "The error type the workflow sees (PromiseFailedException.errorType()).")
    String type;

    @Option(names = "--message", defaultValue = "", description = "What went wrong.")
    String message;

    @Override
    public Integer call() {
      PromiseIds.Parsed id = PromiseIds.parse(promiseId);
      try (WorkflowClient client = connection.client()) {
        client.failPromise(promiseId, type, message);
      }
      spec.commandLine().getOut().println("failure (" + type + ") of promise '" + id.name() + "' of run " + id.runId() + " sent");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
