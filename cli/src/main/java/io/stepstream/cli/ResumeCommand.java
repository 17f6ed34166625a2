package io.stepstream.cli;

import io.stepstream.ResumeResult;
import io.stepstream.client.WorkflowClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Resumes a parked run and prints the engine's answer. */
@Command(name = "resume", description = "Resume a parked run (after fixing what parked it): it goes on with the code deployed now.")
final class ResumeCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", description = "Run id.")
  String runId;

  @Override
  public Integer call() {
    try (WorkflowClient client = connection.client()) {
      ResumeResult answer = client.resume(runId, Duration.ofSeconds(30));
      System.out.println((answer.accepted() ? "accepted: " : "rejected: ") + answer.detail());
      return answer.accepted() ? 0 : 3;
    }
  }
}
