package io.stepstream.cli;

import io.stepstream.CancelResult;
import io.stepstream.client.WorkflowClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Cancels a run and prints the engine's answer. */
@Command(name = "cancel", description = "Cancel a run: it stops at its next step boundary, compensates, and ends CANCELLED.")
final class CancelCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", description = "Run id.")
  String runId;

  @Option(names = "--reason", description = "Why (recorded on the events topic and in the result).")
  String reason;

  @Override
  public Integer call() {
    try (WorkflowClient client = connection.client()) {
      CancelResult answer = client.cancel(runId, reason, Duration.ofSeconds(30));
      System.out.println((answer.accepted() ? "accepted: " : "rejected: ") + answer.detail());
      return answer.accepted() ? 0 : 3;
    }
  }
}
