package io.stepstream.cli;

import io.stepstream.client.RunHandle;
import io.stepstream.RunResult;
import io.stepstream.engine.Stepstream;
import io.stepstream.client.WorkflowClient;
import io.stepstream.examples.SupportWorkflows;
import io.stepstream.examples.SupportWorkflows.Reply;
import io.stepstream.examples.SupportWorkflows.Ticket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Starts everything, runs the demo workflow for a few tickets, prints progress and results, exits. */
@Command(name = "demo", description = "Run the support-triage demo workflow for a few tickets and exit.")
final class DemoCommand implements Callable<Integer> {
  private static final String[] TEXTS = {
    "I was charged twice, please refund", "The app shows an error on login", "How do I export my data?",
    "Crash when uploading a photo", "Can I change my plan?", "Refund for the annual plan"
  };

  @Mixin ConnectionOptions connection;

  @Option(names = "--runs", defaultValue = "5", description = "How many tickets to process (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--timeout", defaultValue = "PT2M", description = "Give up after this long (ISO-8601, default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    System.out.println(connection.bootstrapServers == null
        ? "Starting an embedded Kafka broker and a Stepstream instance (data in " + connection.dataDir + ") ..."
        : "Starting a Stepstream instance against " + connection.bootstrapServers + " ...");
    try (Stepstream engine = connection.engineBuilder(true).register(new SupportWorkflows()).build().start();
        ProgressPrinter progress = ProgressPrinter.follow(connection.kafkaProperties(), engine.bootstrapServers(), engine.topics())) {
      System.out.printf("Ready in %.1f s. Kafka at %s%n%n", (System.nanoTime() - t0) / 1e9, engine.bootstrapServers());
      WorkflowClient client = engine.client();
      String batch = Long.toString(System.currentTimeMillis(), 36);
      List<RunHandle> handles = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        Ticket ticket = new Ticket("T-" + (i + 1), "customer-" + (i % 3 + 1), TEXTS[i % TEXTS.length]);
        handles.add(client.start(SupportWorkflows.TRIAGE, "demo-" + batch + "-" + (i + 1), ticket));
      }
      int failures = 0;
      for (RunHandle handle : handles) {
        RunResult result = handle.await(timeout);
        if (result.isCompleted()) {
          Reply reply = result.output(Reply.class);
          System.out.printf("RESULT %s %s: %s%n", handle.runId(), reply.category(), reply.reply());
        } else {
          failures++;
          System.out.printf("RESULT %s %s: %s%n", handle.runId(), result.status(), result.errorMessage());
        }
      }
      progress.drain();
      System.out.printf("%n%d runs, %d failed, in %.1f s. %s%n", runs, failures, (System.nanoTime() - t0) / 1e9, engine.metricsSummary());
      return failures == 0 ? 0 : 1;
    }
  }
}
