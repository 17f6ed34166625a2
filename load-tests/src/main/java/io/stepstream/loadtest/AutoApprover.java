package io.stepstream.loadtest;

import io.stepstream.client.Topics;
import io.stepstream.client.WorkflowClient;
import io.stepstream.internal.codec.Envelopes;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An automated approver, run as its own process: reads {@code <prefix>.approval-requests}
 * (read_committed, from the beginning) and approves every request it sees, as approver {@code
 * auto-approver}, with a decision signed with the shared approval secret ({@link
 * WorkflowClient#approve} on a client built with {@code approvalSecret}). The {@code approvals}
 * scenario of {@link LoadGenerator} starts one in a child JVM (see {@link AutoApproverProcess}).
 *
 * <p>Stateless: it commits no offsets and starts from the beginning of the topic every time, so a
 * restarted approver answers old requests again; the engine ignores decisions on approvals already
 * decided (DECISION_IGNORED). Within one process each run id and approval name is answered once.
 *
 * <p>Prints {@value #READY} once its consumer has its partitions, and on exit (SIGTERM) one line
 * {@value #DONE} with what it did.
 *
 * <pre>
 * STEPSTREAM_APPROVAL_SECRET=... java -cp ... io.stepstream.loadtest.AutoApprover --bootstrap-servers 127.0.0.1:9092 --topic-prefix bench
 * </pre>
 */
@Command(
    name = "auto-approver",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 120,
    description = "Approves every approval request on <prefix>.approval-requests, signing with the shared secret. Runs until stopped.")
public final class AutoApprover implements Callable<Integer> {
  static final String READY = "AUTO_APPROVER_READY";
  static final String DONE = "AUTO_APPROVER_DONE";
  static final String APPROVER = "auto-approver";

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT")
  String bootstrapServers;

  @Option(names = "--command-config", paramLabel = "FILE",
      description = "Kafka client properties (security.protocol, sasl.*, ssl.*) for its client and consumer. On a secured cluster its"
          + " principal needs the approver role's ACLs plus READ on its consumer group (--group-id).")
  java.nio.file.Path commandConfig;

  @Option(names = "--topic-prefix", defaultValue = "bench", paramLabel = "PREFIX", description = "Topic prefix of the engine (default ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(names = {"--secret", "--approval-secret"}, paramLabel = "SECRET", defaultValue = "${env:STEPSTREAM_APPROVAL_SECRET}",
      description = "The engine's approval secret (default: $STEPSTREAM_APPROVAL_SECRET). Prefer the environment: arguments show in ps.")
  String secret;

  @Option(names = "--think-ms", paramLabel = "MS", defaultValue = "0",
      description = "Delay between seeing a request and answering it (default ${DEFAULT-VALUE}); answers are scheduled, not serialized.")
  long thinkMs;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "8",
      description = "Threads sending decisions (default ${DEFAULT-VALUE}); each send waits for acks=all, so several run at once.")
  int threads;

  @Option(names = "--group-id", paramLabel = "ID", description = "Consumer group (default <prefix>.auto-approver); no offsets are committed.")
  String groupId;

  @Option(names = "--parent-pid", paramLabel = "PID", description = "Exit when this process exits (the benchmark that started this one).")
  Long parentPid;

  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong decided = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong undecodable = new AtomicLong();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  /** Request seen -> decision acknowledged by the broker, microseconds (think time included). */
  private final Histogram answerMicros = new SynchronizedHistogram(TimeUnit.HOURS.toMicros(1), 3);
  private final AtomicBoolean summaryPrinted = new AtomicBoolean();
  private final long startedAt = System.nanoTime();

  public static void main(String[] args) {
    System.exit(new CommandLine(new AutoApprover()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (secret == null || secret.isBlank()) {
      throw new CommandLine.ParameterException(new CommandLine(this), "no approval secret: --secret or $STEPSTREAM_APPROVAL_SECRET");
    }
    if (threads < 1 || thinkMs < 0) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--threads must be >= 1 and --think-ms >= 0");
    }
    Topics topics = Topics.withPrefix(topicPrefix);
    ScheduledThreadPoolExecutor senders = new ScheduledThreadPoolExecutor(threads, r -> {
      Thread t = new Thread(r, "auto-approver-send");
      t.setDaemon(true);
      return t;
    });
    senders.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    CountDownLatch loopDone = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    try (WorkflowClient client = WorkflowClient.builder().kafkaProperties(kafkaProperties()).bootstrapServers(bootstrapServers)
            .topicPrefix(topicPrefix).approvalSecret(secret).build();
        KafkaConsumer<String, byte[]> consumer = consumer()) {
      Thread hook = new Thread(() -> {
        stopping.set(true);
        consumer.wakeup();
        try {
          loopDone.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        printSummary();
      }, "auto-approver-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      if (parentPid != null) {
        ProcessHandle.of(parentPid).ifPresentOrElse(
            p -> p.onExit().thenRun(() -> {
              System.err.println("auto-approver: parent process " + parentPid + " ended; exiting");
              System.exit(0);
            }),
            () -> System.exit(0));
      }
      consumer.subscribe(Set.of(topics.approvalRequests()), new ConsumerRebalanceListener() {
        private boolean announced;

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          consumer.seekToBeginning(partitions); // from the beginning, whatever the group has committed
          if (!announced && !partitions.isEmpty()) {
            announced = true;
            partitions.forEach(consumer::position); // resolve now: from here on every request is seen
            System.out.println(READY + " topic=" + topics.approvalRequests() + " partitions=" + partitions.size()
                + " think-ms=" + thinkMs + " threads=" + threads);
            System.out.flush();
          }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          // nothing committed, nothing to hand over
        }
      });
      try {
        while (!stopping.get()) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
            handle(r, client, senders);
          }
        }
      } catch (WakeupException e) {
        // stopping
      } finally {
        senders.shutdown();
        // decisions not yet being sent are dropped (counted as pendingAtExit)
        senders.awaitTermination(5, TimeUnit.SECONDS);
        loopDone.countDown();
      }
    }
    printSummary();
    return 0;
  }

  private void handle(ConsumerRecord<String, byte[]> r, WorkflowClient client, ScheduledThreadPoolExecutor senders) {
    io.stepstream.avro.ApprovalRequest request;
    try {
      request = Envelopes.approvalRequest(r.value());
    } catch (RuntimeException e) {
      undecodable.incrementAndGet();
      return;
    }
    if (request.getResolution() != null) {
      return; // the engine's note that this approval is no longer pending
    }
    requests.incrementAndGet();
    String runId = request.getRunId();
    String name = request.getApprovalName();
    if (!seen.add(runId + "/" + name)) {
      duplicates.incrementAndGet();
      return;
    }
    long seenAt = System.nanoTime();
    senders.schedule(() -> {
      try {
        client.approve(runId, name, APPROVER, null);
        decided.incrementAndGet();
        answerMicros.recordValue(Math.min(answerMicros.getHighestTrackableValue(), Math.max(1, (System.nanoTime() - seenAt) / 1000)));
      } catch (RuntimeException e) {
        if (failed.incrementAndGet() <= 10) {
          System.err.println("auto-approver: could not send the decision for " + runId + "/" + name + ": " + e);
        }
      }
    }, thinkMs, TimeUnit.MILLISECONDS);
  }

  private Map<String, String> kafkaProperties() {
    return commandConfig == null ? Map.of() : io.stepstream.client.KafkaProperties.load(commandConfig);
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Map<String, Object> c = new LinkedHashMap<>(kafkaProperties());
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId != null ? groupId : topicPrefix + ".auto-approver");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** One line, {@value #DONE} key=value ..., parsed by {@link AutoApproverProcess}. Printed once. */
  private void printSummary() {
    if (!summaryPrinted.compareAndSet(false, true)) {
      return;
    }
    Histogram h = answerMicros.copy();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("requests", requests.get());
    s.put("duplicates", duplicates.get());
    s.put("decisionsSent", decided.get());
    s.put("sendErrors", failed.get());
    s.put("undecodable", undecodable.get());
    s.put("pendingAtExit", Math.max(0, seen.size() - decided.get() - failed.get()));
    s.put("thinkMs", thinkMs);
    s.put("threads", threads);
    s.put("answerMsP50", ms(h, 50));
    s.put("answerMsP99", ms(h, 99));
    s.put("answerMsMax", h.getTotalCount() == 0 ? 0 : LoadGenerator.round(h.getMaxValue() / 1000.0, 3));
    s.put("upS", LoadGenerator.round((System.nanoTime() - startedAt) / 1e9, 1));
    System.out.println(DONE + " " + s.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
    System.out.flush();
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : LoadGenerator.round(h.getValueAtPercentile(percentile) / 1000.0, 3);
  }
}
