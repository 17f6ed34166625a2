package io.stepstream.loadtest;

import io.stepstream.ChildOptions;
import io.stepstream.DurableFuture;
import io.stepstream.RunResult;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.codec.Envelopes;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One parent run fans out to N child runs ({@code ctx.startChild}) with at most M active at once,
 * then sums their results: one embedded broker and one engine in this JVM. Reports the wall time
 * from the parent's request to its result, the peak heap used (sampled every 50 ms, so garbage
 * included) and the heap after a GC at the end, and how often the parent's code ran (each pass
 * replays its whole journal: the cost that grows with N).
 *
 * <pre>
 *   load-tests/bench children --children 10000 --max-active 200
 * </pre>
 */
@Command(name = "children", mixinStandardHelpOptions = true, description = "A parent fanning out to many child runs.")
public final class ChildFanOutBenchmark implements Callable<Integer> {
  @Option(names = "--children", defaultValue = "10000")
  int children;

  @Option(names = "--max-active", defaultValue = "200")
  int maxActive;

  @Option(names = "--partitions", defaultValue = "6")
  int partitions;

  @Option(names = "--timeout-s", defaultValue = "1800")
  int timeoutSeconds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ChildFanOutBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("stepstream-children");
    String prefix = "children-" + System.currentTimeMillis();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    AtomicLong peakHeap = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        Stepstream engine = engine(kafka.bootstrapServers(), prefix, dir.resolve("state")).build().start()) {
      WorkflowClient client = engine.client();
      client.start("leaf", "warm-up", 1);
      client.awaitResult("warm-up", Duration.ofSeconds(60));
      System.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      peakHeap.set(0);
      sampler.start();
      long t0 = System.nanoTime();
      client.start("fan-out", "parent", children);
      RunResult result = client.awaitResult("parent", Duration.ofSeconds(timeoutSeconds));
      long wallMs = (System.nanoTime() - t0) / 1_000_000;
      sampler.interrupt();
      System.gc();
      long heapAfter = memory.getHeapMemoryUsage().getUsed();
      long expected = (long) children * (children - 1); // sum of 2i
      Map<AuditEventType, Long> parentEvents = countParentEvents(kafka.bootstrapServers(), engine.topics().events());
      List<String> lines = new ArrayList<>();
      lines.add("children: " + children + ", at most " + maxActive + " active, " + partitions + " partitions, one engine, broker in the same JVM");
      lines.add("result: " + result.status() + (result.status() == io.stepstream.RunStatus.COMPLETED
          ? (result.output(Long.class) == expected ? " (sum correct)" : " (WRONG sum " + result.output(Long.class) + ", expected " + expected + ")")
          : " " + result.errorType() + ": " + result.errorMessage()));
      lines.add("wall time, parent request -> parent result: " + wallMs + " ms (" + rate(children, wallMs) + " children/s)");
      lines.add("heap: peak used " + mb(peakHeap.get()) + " MiB (sampled every 50 ms, garbage included), after GC before "
          + mb(heapBefore) + " MiB / after " + mb(heapAfter) + " MiB, max heap " + mb(memory.getHeapMemoryUsage().getMax()) + " MiB");
      lines.add("parent passes (executions that ended waiting): " + parentEvents.getOrDefault(AuditEventType.RUN_WAITING, 0L)
          + "; child results journaled in the parent: " + parentEvents.getOrDefault(AuditEventType.CHILD_FINISHED, 0L));
      lines.forEach(l -> System.out.println("[children] " + l));
      return result.status() == io.stepstream.RunStatus.COMPLETED ? 0 : 1;
    } finally {
      sampler.interrupt();
      deleteQuietly(dir);
    }
  }

  private Stepstream.Builder engine(String bootstrap, String prefix, Path state) {
    return Stepstream.builder()
        .bootstrapServers(bootstrap)
        .topicPrefix(prefix)
        .stateDir(state)
        .partitions(partitions)
        .approvalSecret("children-benchmark-secret")
        .register("leaf", Integer.class, (ctx, i) -> ctx.step("double", Long.class, s -> 2L * i))
        .register("fan-out", Integer.class, (ctx, n) -> {
          ChildOptions bounded = ChildOptions.defaults().maxActiveChildren(maxActive);
          List<DurableFuture<Long>> futures = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            futures.add(ctx.startChild("c-" + i, "leaf", i, Long.class, bounded));
          }
          long sum = 0;
          for (DurableFuture<Long> f : futures) {
            sum += f.get();
          }
          return sum;
        });
  }

  /** The parent's audit events by type (read_committed, to the end). */
  private static Map<AuditEventType, Long> countParentEvents(String bootstrap, String topic) {
    Map<AuditEventType, Long> counts = new java.util.EnumMap<>(AuditEventType.class);
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          AuditEvent e = Envelopes.auditEvent(r.value());
          if ("parent".equals(r.key())) {
            counts.merge(e.getType(), 1L, Long::sum);
          }
          if (Boolean.getBoolean("children.timeline")) {
            System.out.println("[timeline] " + e.getTimestamp() + " " + r.key() + " " + e.getType() + " " + e.getStep());
          }
        }
      }
    }
    return counts;
  }

  private static long mb(long bytes) {
    return bytes / (1024 * 1024);
  }

  private static String rate(long n, long ms) {
    return String.format(Locale.ROOT, "%,.0f", n * 1000.0 / Math.max(1, ms));
  }

  private static void deleteQuietly(Path p) {
    try (Stream<Path> files = Files.walk(p)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (java.io.IOException | RuntimeException e) {
      // best effort
    }
  }
}
