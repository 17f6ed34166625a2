package io.stepstream.testkit;

import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import io.stepstream.internal.orchestrator.RunInputs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Where recorded histories come from: history files, or a running cluster's journal.
 *
 * <pre>{@code
 * // files exported by WorkflowTestEnvironment.exportHistory (or by `fromChangelog(...)` + writeTo)
 * List<WorkflowHistory> recorded = HistorySource.fromFiles(Path.of("src/test/resources/histories"));
 *
 * // the runs of a live engine, read from its stores' changelog topics (read-only; the engine keeps running)
 * List<WorkflowHistory> live = HistorySource.fromChangelog(
 *     Map.of("bootstrap.servers", "kafka:9092"), "stepstream-engine", List.of("order-17", "order-18"));
 * }</pre>
 */
public final class HistorySource {
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

  private HistorySource() {}

  /** A history file, or every {@code *.json} history file in a directory (sorted by name). */
  public static List<WorkflowHistory> fromFiles(Path fileOrDirectory) {
    if (!Files.isDirectory(fileOrDirectory)) {
      return List.of(WorkflowHistory.readFrom(fileOrDirectory));
    }
    try (Stream<Path> files = Files.list(fileOrDirectory)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().map(WorkflowHistory::readFrom).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("could not list history files in " + fileOrDirectory, e);
    }
  }

  /** The journal store's changelog topic of an engine with this application id. */
  public static String journalChangelog(String applicationId) {
    return applicationId + "-" + OrchestratorTopology.JOURNAL_STORE + "-changelog";
  }

  /** The run store's changelog topic (workflow type, status; the input only for runs stored by older releases) of an engine with this application id. */
  public static String runsChangelog(String applicationId) {
    return applicationId + "-" + OrchestratorTopology.RUNS_STORE + "-changelog";
  }

  /**
   * The histories of {@code runIds} as an engine's state stores hold them, read from their changelog
   * topics ({@link #journalChangelog}, {@link #runsChangelog}) from the beginning, committed records
   * only. Reads with a consumer that joins no group and commits nothing; the engine is not disturbed.
   *
   * @param kafkaProperties how to reach the cluster ({@code bootstrap.servers}, security settings); the consumer
   *     needs read access to the two changelog topics
   * @param applicationId the engine's application id ({@code Stepstream.Builder.applicationId}, by default
   *     {@code <topic prefix>-engine}, so {@code stepstream-engine})
   * @throws IllegalArgumentException if a run is in neither changelog (names it and the topics read)
   */
  public static List<WorkflowHistory> fromChangelog(Map<String, ?> kafkaProperties, String applicationId, Collection<String> runIds) {
    Set<String> wanted = new LinkedHashSet<>(runIds);
    Map<String, RunState> runs = new HashMap<>();
    Map<String, Map<String, JournalEntry>> journals = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer(kafkaProperties)) {
      readAll(consumer, runsChangelog(applicationId), record -> {
        if (wanted.contains(record.key())) {
          if (record.value() == null) {
            runs.remove(record.key());
          } else {
            runs.put(record.key(), Envelopes.runState(record.value()));
          }
        }
      });
      readAll(consumer, journalChangelog(applicationId), record -> {
        int sep = record.key().indexOf('\u0000');
        String runId = sep < 0 ? record.key() : record.key().substring(0, sep);
        if (!wanted.contains(runId)) {
          return;
        }
        Map<String, JournalEntry> journal = journals.computeIfAbsent(runId, k -> new LinkedHashMap<>());
        String name = record.key().substring(sep + 1);
        if (io.stepstream.internal.query.RunViews.RESULT_ENTRY.equals(name)) {
          return; // the engine's copy of a finished run's result, kept for queries: not something the code recorded
        }
        if (record.value() == null) {
          journal.remove(name); // the orchestrator deleted it (a consumed early decision, say)
        } else {
          journal.put(name, Envelopes.journalEntry(record.value())); // the latest record is the store's value; first arrival keeps its place
        }
      });
    }
    List<WorkflowHistory> histories = new ArrayList<>();
    for (String runId : wanted) {
      RunState run = runs.get(runId);
      if (run == null) {
        throw new IllegalArgumentException("run " + runId + " is not in " + runsChangelog(applicationId)
            + " (a wrong run id or application id? the engine's application id is " + applicationId + ")");
      }
      Map<String, JournalEntry> journal = new LinkedHashMap<>(journals.getOrDefault(runId, Map.of()));
      // the $input entry, or the header's copy for a run stored by an older release
      io.stepstream.avro.Payload input = RunInputs.take(run, journal);
      histories.add(new WorkflowHistory(runId, run.getWorkflowType(), input, new ArrayList<>(journal.values()), run.getStatus()));
    }
    return histories;
  }

  private static KafkaConsumer<String, byte[]> consumer(Map<String, ?> kafkaProperties) {
    Map<String, Object> config = new HashMap<>(kafkaProperties);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // the stores are written in EOS transactions
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** Reads a topic from the beginning to its end (as of now), every partition. */
  private static void readAll(KafkaConsumer<String, byte[]> consumer, String topic, java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException("topic " + topic + " does not exist: is the application id right, and has the engine run?");
    }
    List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
        .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
    while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read " + topic + " to its end within " + READ_TIMEOUT);
      }
      consumer.poll(Duration.ofMillis(200)).forEach(each);
    }
  }
}
