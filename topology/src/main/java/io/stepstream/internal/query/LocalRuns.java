package io.stepstream.internal.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads this instance's stores, active partitions only (a standby's copy may lag): one run, its
 * journal, and slices of run lists. Throws Kafka Streams' {@code InvalidStateStoreException} while
 * a partition is moving or restoring; callers answer 503.
 *
 * <p>Costs: a run or its history is one point read and one prefix scan of its journal. A list page
 * reads, per local partition, the runs-by-time index from the cursor on (a range read) and one
 * point read of the runs store per index entry, until it has {@code limit} matching runs or has
 * looked at {@link #SCAN_BUDGET} entries: at most what it returns plus what it skips.
 */
public final class LocalRuns {
  /** Index entries one page may look at per partition before it answers with what it has (and a cursor to go on). */
  public static final int SCAN_BUDGET = 5_000;

  private final KafkaStreams streams;
  private final int scanBudget;

  public LocalRuns(KafkaStreams streams) {
    this(streams, SCAN_BUDGET);
  }

  LocalRuns(KafkaStreams streams, int scanBudget) {
    this.streams = streams;
    this.scanBudget = scanBudget;
  }

  /** Partitions whose orchestrator task is active here now. */
  public Set<Integer> activePartitions() {
    Set<Integer> partitions = new TreeSet<>();
    for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
      for (TaskMetadata task : thread.activeTasks()) {
        partitions.add(task.taskId().partition());
      }
    }
    return partitions;
  }

  public RunState run(String runId, int partition) {
    return runs(partition).get(runId);
  }

  /** Every journal entry of the run, by name. */
  public Map<String, JournalEntry> journal(String runId, int partition) {
    Map<String, JournalEntry> entries = new HashMap<>();
    try (KeyValueIterator<String, JournalEntry> it = journal(partition).prefixScan(runId + '\u0000', Serdes.String().serializer())) {
      it.forEachRemaining(kv -> entries.put(kv.value.getName(), kv.value));
    }
    return entries;
  }

  /** Run summaries matching {@code filter} on this instance's partitions. */
  public Slice runs(RunFilter filter) {
    return slice(filter, (state, partition) -> List.of(RunViews.summary(state)));
  }

  /** Pending approvals of waiting runs matching {@code filter} (status forced to WAITING). */
  public Slice pendingApprovals(RunFilter filter, RunViews.TokenIssuer tokens) {
    RunFilter waiting = new RunFilter(Set.of(io.stepstream.avro.RunStatus.WAITING), filter.types(), filter.q(), filter.since(),
        filter.until(), filter.limit(), filter.after());
    return slice(waiting, (state, partition) -> RunViews.pendingApprovals(state, journal(state.getRunId(), partition), tokens));
  }

  private Slice slice(RunFilter filter, BiFunction<RunState, Integer, List<ObjectNode>> view) {
    List<Slice> parts = new ArrayList<>();
    Set<Integer> partitions = activePartitions();
    for (int partition : partitions) {
      parts.add(partitionSlice(partition, filter, view));
    }
    return parts.isEmpty() ? Slice.empty(Set.of()) : Slice.merge(parts, filter.limit());
  }

  private Slice partitionSlice(int partition, RunFilter filter, BiFunction<RunState, Integer, List<ObjectNode>> view) {
    ReadOnlyKeyValueStore<Bytes, byte[]> index = byTime(partition);
    ReadOnlyKeyValueStore<String, RunState> runs = runs(partition);
    Bytes from = filter.until() == null ? null : RunTimeIndex.firstAtOrBefore(filter.until() - 1);
    if (filter.after() != null) {
      Bytes afterCursor = RunTimeIndex.key(filter.after());
      if (from == null || afterCursor.compareTo(from) > 0) {
        from = afterCursor;
      }
    }
    List<Slice.Item> items = new ArrayList<>();
    int found = 0;
    int looked = 0;
    Position at = null;
    try (KeyValueIterator<Bytes, byte[]> it = from == null ? index.all() : index.range(from, null)) {
      while (it.hasNext()) {
        Bytes key = it.next().key;
        Position position = RunTimeIndex.position(key);
        if (filter.after() != null && !position.isAfter(filter.after())) {
          continue; // the cursor itself (range is inclusive)
        }
        if (filter.since() != null && position.createdAt() < filter.since()) {
          return new Slice(items, null, Set.of(partition)); // older than asked for: nothing more here
        }
        if (looked == scanBudget) {
          return new Slice(items, at, Set.of(partition)); // budget spent: what we have, up to where we looked
        }
        looked++;
        at = position;
        RunState state = runs.get(position.runId());
        if (state == null || state.getCreatedAt() != position.createdAt() || !filter.matches(state)) {
          continue; // removed (retention), or not asked for
        }
        List<ObjectNode> views = view.apply(state, partition);
        for (ObjectNode json : views) {
          items.add(new Slice.Item(position, json));
        }
        if (!views.isEmpty() && ++found == filter.limit()) {
          return new Slice(items, position, Set.of(partition));
        }
      }
    }
    return new Slice(items, null, Set.of(partition));
  }

  private ReadOnlyKeyValueStore<String, RunState> runs(int partition) {
    return streams.store(StoreQueryParameters.fromNameAndType(OrchestratorTopology.RUNS_STORE, QueryableStoreTypes.<String, RunState>keyValueStore())
        .withPartition(partition));
  }

  private ReadOnlyKeyValueStore<String, JournalEntry> journal(int partition) {
    return streams.store(StoreQueryParameters.fromNameAndType(OrchestratorTopology.JOURNAL_STORE,
        QueryableStoreTypes.<String, JournalEntry>keyValueStore()).withPartition(partition));
  }

  private ReadOnlyKeyValueStore<Bytes, byte[]> byTime(int partition) {
    return streams.store(StoreQueryParameters.fromNameAndType(OrchestratorTopology.RUNS_BY_TIME_STORE,
        QueryableStoreTypes.<Bytes, byte[]>keyValueStore()).withPartition(partition));
  }
}
