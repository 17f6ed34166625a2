package io.stepstream.cli;

import io.stepstream.engine.Stepstream;
import io.stepstream.examples.SupportWorkflows;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A long-running instance with the demo workflows, for trying things by hand. */
@Command(name = "dev", description = "Run an instance with the demo workflows until Ctrl-C; without --bootstrap-servers, on an embedded dev broker.")
final class DevCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin WireFormatOption wireFormat;
  @Spec CommandSpec spec;

  @Option(names = "--http-bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
      description = "Serve the web console (/console/, dev mode: names not verified, everyone an admin), the HTTP API, health and"
          + " metrics here; keep it on 127.0.0.1; port 0 for any free port, 'off' for none (default: ${DEFAULT-VALUE}).")
  String httpBind;

  @Override
  public Integer call() throws Exception {
    CountDownLatch stop = new CountDownLatch(1);
    Stepstream.Builder builder = wireFormat.applyTo(connection.engineBuilder(true)).register(new SupportWorkflows())
        .register(new io.stepstream.examples.agent.SupportAgent()) // the demo's agent: models load on its first run
        .register(new io.stepstream.examples.RemoteTaskWorkflows()).taskQueues(io.stepstream.examples.RemoteTaskWorkflows.QUEUE);
    EngineCommand.HttpBind bind = EngineCommand.HttpBind.parse(httpBind, spec);
    if (bind != null) {
      builder.httpServer(bind.host(), bind.port());
    }
    Stepstream engine = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("stopping ...");
      engine.close();
      stop.countDown();
    }));
    String b = engine.bootstrapServers();
    var t = engine.topics();
    System.out.println("Stepstream is running. Kafka: " + b);
    System.out.println("Topics: " + String.join(", ", t.all()));
    System.out.println();
    System.out.println("Start a run from the CLI:");
    System.out.println("  ./stepstream start " + SupportWorkflows.TRIAGE + " --run-id ticket-1 --bootstrap-servers " + b
        + " --wait --input '{\"id\":\"T-1\",\"customer\":\"ada\",\"text\":\"please refund me\"}'");
    System.out.println("or from any Kafka producer (JSON, key = run id):");
    System.out.println("  echo 'ticket-2|{\"workflowType\":\"" + SupportWorkflows.TRIAGE
        + "\",\"input\":{\"id\":\"T-2\",\"customer\":\"bob\",\"text\":\"app crash\"}}' | kafka-console-producer.sh --bootstrap-server " + b
        + " --topic " + t.requests() + " --property parse.key=true --property key.separator='|'");
    System.out.println("Then: ./stepstream result ticket-1 --bootstrap-servers " + b);
    System.out.println("Human in the loop:");
    System.out.println("  ./stepstream start " + SupportWorkflows.REFUND + " --run-id refund-1 --bootstrap-servers " + b
        + " --input '{\"customer\":\"ada\",\"amount\":420}'");
    System.out.println("  ./stepstream approvals --bootstrap-servers " + b);
    System.out.println("  ./stepstream approve refund-1 refund-review --comment ok --bootstrap-servers " + b
        + "   (or: reject ... --reason ..., or approve --edited '{\"customer\":\"ada\",\"amount\":210}')");
    System.out.println("A step in another language (remote task on queue " + io.stepstream.examples.RemoteTaskWorkflows.QUEUE + "):");
    System.out.println("  python3 examples/python/task_worker.py -b " + b + "    (or: node examples/node/task-worker.js -b " + b + ")");
    System.out.println("  ./stepstream start " + io.stepstream.examples.RemoteTaskWorkflows.TYPE + " --run-id doc-1 --bootstrap-servers " + b
        + " --wait --input '{\"id\":\"doc-1\",\"text\":\"to be or not to be\"}'");
    if (engine.httpAddress() != null) {
      System.out.println("Web console: http://" + EngineCommand.HttpBind.hostForUrl(engine.httpAddress()) + ":" + engine.httpAddress().getPort()
          + "/console/ (dev mode: give any name)");
    }
    System.out.println("Ctrl-C to stop.");
    try (ProgressPrinter progress = ProgressPrinter.follow(connection.kafkaProperties(), b, t)) {
      stop.await();
    }
    return 0;
  }
}
