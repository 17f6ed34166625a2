package io.stepstream.cli;

import io.stepstream.client.WorkflowClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Looks up a run's result on the results topic. */
@Command(name = "result", description = "Print the result of a run, if it has one.")
final class ResultCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", description = "Run id.")
  String runId;

  @Override
  public Integer call() {
    try (WorkflowClient client = connection.client()) {
      var result = client.findResult(runId, Duration.ofSeconds(30));
      System.out.println(result.map(Object::toString).orElse("no result for run " + runId + " (unknown, or still running)"));
      return result.isPresent() ? 0 : 2;
    }
  }
}
