package io.stepstream.fault;

import io.stepstream.engine.Stepstream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A Stepstream engine in its own JVM for the fault suite: runs {@link ChaosWorkflow}'s workflows and
 * prints {@code INSTANCE_READY} once RUNNING. Killed with SIGKILL, paused with SIGSTOP; exits by itself
 * when the JVM that started it ends.
 *
 * <pre>
 * ChaosInstance BOOTSTRAP STATE_DIR WORK_DIR INSTANCE_NAME COMMIT_INTERVAL_MS [key=value]...
 *   prefix=chaos            topic prefix (application id: PREFIX-engine)
 *   partitions=6            partitions of the topics it creates
 *   stepDelayMs=0           each step sleeps a random 0..N ms before its effect
 *   earlyCommitBelow=N      Stepstream.Builder#earlyCommitBelow (0: results wait for the commit interval)
 *   transactionTimeoutMs=N  the producers' transaction.timeout.ms (default: the engine's)
 *   emitTopic=NAME          declares this (existing) emit topic and runs ChaosWorkflow.EMITTING too
 *   taskQueue=NAME          declares this task queue and runs ChaosWorkflow.REMOTE too
 * </pre>
 *
 * <p>Failover: session timeout 6 s (the broker's minimum), heartbeat 1 s. A commit interval above
 * 2 s gets a transaction timeout of interval + 10 s, so the broker does not abort the (deliberately
 * long) transaction itself.
 */
public final class ChaosInstance {
  public static final String READY = "INSTANCE_READY";

  private ChaosInstance() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: ChaosInstance BOOTSTRAP STATE_DIR WORK_DIR INSTANCE_NAME COMMIT_INTERVAL_MS [key=value]...");
      System.exit(2);
    }
    exitWithParent();
    String bootstrap = args[0];
    Path stateDir = Path.of(args[1]);
    Path work = Path.of(args[2]);
    String name = args[3];
    long commitMs = Long.parseLong(args[4]);
    Map<String, String> options = new HashMap<>();
    for (int i = 5; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      options.put(kv[0], kv[1]);
    }
    long stepDelayMs = Long.parseLong(options.getOrDefault("stepDelayMs", "0"));
    EffectsLog effects = EffectsLog.open(work, name);

    Stepstream.Builder builder =
        Stepstream.builder()
            .bootstrapServers(bootstrap)
            .topicPrefix(options.getOrDefault("prefix", "chaos"))
            .stateDir(stateDir)
            .partitions(Integer.parseInt(options.getOrDefault("partitions", "6")))
            .approvalSecret("chaos-test-secret-0000")
            .commitInterval(java.time.Duration.ofMillis(commitMs))
            .streamsConfig("consumer.session.timeout.ms", 6000)
            .streamsConfig("consumer.heartbeat.interval.ms", 1000)
            .register(ChaosWorkflow.CHAIN, String.class,
                Boolean.parseBoolean(options.getOrDefault("parallel", "false")) ? ChaosWorkflow.parallelChain(effects, stepDelayMs)
                    : Boolean.parseBoolean(options.getOrDefault("children", "false")) ? ChaosWorkflow.withChild(effects, stepDelayMs)
                    : ChaosWorkflow.chain(effects, stepDelayMs))
            .register(ChaosWorkflow.KID, String.class, ChaosWorkflow.kid(stepDelayMs))
            .register(ChaosWorkflow.SIGNALLED, String.class, ChaosWorkflow.signalled(effects, stepDelayMs));
    if (options.containsKey("transactionTimeoutMs")) {
      builder.streamsConfig("producer.transaction.timeout.ms", Integer.parseInt(options.get("transactionTimeoutMs")));
    } else if (commitMs > 2000) {
      builder.streamsConfig("producer.transaction.timeout.ms", (int) commitMs + 10_000);
    }
    if (options.containsKey("emitTopic")) {
      String topic = options.get("emitTopic");
      builder.emitTopics(topic).register(ChaosWorkflow.EMITTING, String.class, ChaosWorkflow.emitting(effects, stepDelayMs, topic));
    }
    if (options.containsKey("taskQueue")) {
      String queue = options.get("taskQueue");
      builder.taskQueues(queue).register(ChaosWorkflow.REMOTE, String.class, ChaosWorkflow.remote(effects, stepDelayMs, queue));
    }
    if (options.containsKey("earlyCommitBelow")) {
      builder.earlyCommitBelow(Integer.parseInt(options.get("earlyCommitBelow")));
    }
    Stepstream engine = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(engine::close));
    System.out.println(READY + " " + name + " pid " + ProcessHandle.current().pid());
    System.out.flush();
    Thread.currentThread().join();
  }

  /** A crashed test JVM must not leave engines behind. */
  private static void exitWithParent() {
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
  }
}
