package io.stepstream.cli;

import io.stepstream.WorkflowRegistrar;
import io.stepstream.engine.Stepstream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The production engine: hosts the workflows of your jars on your cluster until stopped (SIGTERM
 * leaves the group cleanly). Workflows are found with ServiceLoader ({@code io.stepstream.WorkflowRegistrar}).
 *
 * <pre>
 * java -jar stepstream.jar engine --workflows my-workflows.jar \
 *     --bootstrap-servers broker-1:9093 --command-config client.properties \
 *     --approval-secret-file /etc/stepstream/approval-secret
 * </pre>
 */
@Command(name = "engine", description = "Run an engine instance for the workflows in --workflows jars on a Kafka cluster, until stopped.")
final class EngineCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Spec CommandSpec spec;

  @Option(names = "--workflows", paramLabel = "JAR", required = true, split = ",",
      description = "Jar(s) with your workflows and their dependencies (repeatable or comma-separated); each lists its WorkflowRegistrar in META-INF/services/io.stepstream.WorkflowRegistrar.")
  List<Path> workflowJars = new ArrayList<>();

  @Option(names = "--application-id", description = "Kafka Streams application id: instances with the same id share the work (default: <topic-prefix>-engine).")
  String applicationId;

  @Option(names = "--state-dir", description = "RocksDB state; on a persistent volume in production (default: --data-dir).")
  Path stateDir;

  @Option(names = "--partitions", defaultValue = "6", description = "Partitions of topics this engine creates if missing (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--replication-factor", defaultValue = "-1", description = "Replication factor of topics this engine creates (default: min(3, brokers)).")
  int replicationFactor;

  @Option(names = "--executor-threads", defaultValue = "256", description = "Threads running workflow code: the most steps in flight (default: ${DEFAULT-VALUE}).")
  int executorThreads;

  @Option(names = "--start-timeout", defaultValue = "PT2M", description = "Give up starting after this long (ISO-8601, default: ${DEFAULT-VALUE}).")
  Duration startTimeout;

  @Override
  public Integer call() throws Exception {
    connection.requireBootstrap();
    Stepstream.Builder builder = connection.engineBuilder(false).partitions(partitions).executorThreads(executorThreads).startTimeout(startTimeout);
    if (replicationFactor > 0) {
      builder.replicationFactor(replicationFactor);
    }
    if (applicationId != null) {
      builder.applicationId(applicationId);
    }
    if (stateDir != null) {
      builder.stateDir(stateDir);
    }
    List<String> registrars = registerWorkflowsOfTheJars(builder, workflowClassLoader());
    if (registrars.isEmpty()) {
      throw new ParameterException(spec.commandLine(),
          "no io.stepstream.WorkflowRegistrar in " + workflowJars
              + ": list your registrar class in META-INF/services/io.stepstream.WorkflowRegistrar inside the jar");
    }
    Stepstream engine = builder.build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      engine.close();
      stopped.countDown();
    }, "stepstream-shutdown"));
    engine.start();
    System.out.println("stepstream engine ready: workflows " + engine.workflowTypes() + " from " + registrars
        + ", cluster " + engine.bootstrapServers() + ", topics " + engine.topics().prefix() + ".*");
    stopped.await();
    return 0;
  }

  /**
   * Only registrars listed in the --workflows jars' own service files: this jar carries the demo's
   * example workflows, which an engine for your workflows must not pick up (ServiceLoader would
   * find them through the parent loader).
   */
  private static List<String> registerWorkflowsOfTheJars(Stepstream.Builder builder, URLClassLoader jars) throws Exception {
    List<String> found = new ArrayList<>();
    var files = jars.findResources("META-INF/services/" + WorkflowRegistrar.class.getName());
    while (files.hasMoreElements()) {
      URL file = files.nextElement();
      try (var in = file.openStream()) {
        for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\\R")) {
          String className = line.replaceAll("#.*", "").trim();
          if (className.isEmpty()) {
            continue;
          }
          Class<? extends WorkflowRegistrar> type = Class.forName(className, true, jars).asSubclass(WorkflowRegistrar.class);
          builder.register(type.getConstructor().newInstance());
          found.add(className);
        }
      }
    }
    return found;
  }

  private URLClassLoader workflowClassLoader() throws MalformedURLException {
    List<URL> urls = new ArrayList<>();
    for (Path jar : workflowJars) {
      if (!Files.isRegularFile(jar)) {
        throw new ParameterException(spec.commandLine(), "--workflows " + jar + ": no such file");
      }
      urls.add(jar.toUri().toURL());
    }
    // parent = the engine's loader: workflow jars see stepstream-api and share its classes
    return new URLClassLoader(urls.toArray(URL[]::new), Stepstream.class.getClassLoader());
  }
}
