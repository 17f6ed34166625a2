package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.Workflow;
import io.stepstream.avro.JournalEntry;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.query.Position;
import io.stepstream.internal.query.RunTimeIndex;
import io.stepstream.internal.query.RunViews;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the orchestrator keeps for queries: the runs-by-time index and a finished run's result. Virtual time. */
@Timeout(30)
class QueryStoresTest {
  private final Workflow<String, String> greet = (ctx, in) -> ctx.step("hello", String.class, s -> "hello " + in);
  private final OrchestratorHarness harness = new OrchestratorHarness(new WorkflowRegistry().register("greet", String.class, greet));

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void everyRunIsIndexedOnceByCreationTimeNewestFirst() {
    for (String runId : List.of("a", "b", "c")) {
      harness.request(runId, "greet", runId);
      harness.settle();
      harness.advanceWallClock(Duration.ofSeconds(1));
    }
    harness.request("a", "greet", "again"); // a duplicate request starts nothing and indexes nothing
    harness.settle();

    assertThat(indexed()).extracting(Position::runId).containsExactly("c", "b", "a");
    assertThat(indexed().get(0).createdAt()).isGreaterThan(indexed().get(2).createdAt());
  }

  @Test
  void aFinishedRunKeepsItsResultForQueries() {
    harness.request("r1", "greet", "world");
    harness.settle();

    KeyValueStore<String, JournalEntry> journal = harness.store(OrchestratorTopology.JOURNAL_STORE);
    JournalEntry result = journal.get("r1" + RunStore.SEPARATOR + RunViews.RESULT_ENTRY);
    assertThat(result).isNotNull();
    assertThat(result.getSucceeded()).isTrue();
    assertThat(PayloadCodec.decode(result.getValue(), String.class)).isEqualTo("hello world");
  }

  @Test
  void runsStoredBeforeTheIndexExistedAreIndexedWhenTheTaskStarts() {
    harness.request("old-1", "greet", "x");
    harness.request("old-2", "greet", "y");
    harness.settle();

    // a restart that carries the runs and journal over but not the index: what an upgrade looks like
    harness.restartWith(ApprovalGuard.of(OrchestratorHarness.TOKENS));
    assertThat(indexed()).isEmpty();

    // what OrchestratorProcessor.init does (Kafka Streams initializes processors once the stores are
    // restored; the test driver initializes before the harness puts the old stores back, so call it here)
    RunStore store = new RunStore(harness.store(OrchestratorTopology.RUNS_STORE), harness.store(OrchestratorTopology.JOURNAL_STORE),
        harness.store(OrchestratorTopology.RUNS_BY_TIME_STORE));
    assertThat(store.backfillIndexIfEmpty()).isEqualTo(2);
    assertThat(indexed()).extracting(Position::runId).containsExactlyInAnyOrder("old-1", "old-2");
    assertThat(store.backfillIndexIfEmpty()).as("once: an index with entries is left as it is").isZero();
  }

  private List<Position> indexed() {
    KeyValueStore<Bytes, byte[]> index = harness.store(OrchestratorTopology.RUNS_BY_TIME_STORE);
    List<Position> positions = new ArrayList<>();
    try (var all = index.all()) {
      all.forEachRemaining(kv -> positions.add(RunTimeIndex.position(kv.key)));
    }
    return positions;
  }
}
