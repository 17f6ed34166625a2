package io.stepstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.client.RunHandle;
import io.stepstream.RunResult;
import io.stepstream.client.WorkflowClient;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Starts one run on a running cluster. */
@Command(name = "start", description = "Start a run: produce a request to the requests topic.")
final class StartCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", description = "Workflow type, as registered.")
  String workflowType;

  @Option(names = "--run-id", description = "Run id (default: a random UUID). Reusing one starts nothing new.")
  String runId;

  @Option(names = "--input", defaultValue = "null", description = "Input as JSON.")
  String input;

  @Option(names = "--wait", description = "Wait for the result and print it.")
  boolean await;

  @Option(names = "--timeout", defaultValue = "PT5M", description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    JsonNode json = PayloadCodec.json().readTree(input);
    String id = runId != null ? runId : UUID.randomUUID().toString();
    try (WorkflowClient client = connection.client()) {
      RunHandle run = client.start(workflowType, id, json.isNull() ? null : json);
      System.out.println("started " + run.runId());
      if (!await) {
        return 0;
      }
      RunResult result = run.await(timeout);
      System.out.println(result);
      return result.isCompleted() ? 0 : 1;
    }
  }
}
