package io.stepstream.internal.orchestrator;

import static io.stepstream.avro.AuditEventType.DUPLICATE_REQUEST;
import static io.stepstream.avro.AuditEventType.RUN_COMPLETED;
import static io.stepstream.avro.AuditEventType.RUN_STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retention (ADR 0015) and where a run's input lives, in a TopologyTestDriver with virtual time:
 * finished runs leave every store after the window, unfinished ones never do, a request is a
 * duplicate exactly while its run is stored, and the run header carries no copy of the input.
 */
@Timeout(60)
class RetentionTest {
  private static final Duration WINDOW = Duration.ofHours(1);
  private static final Duration TICK = Duration.ofMillis(20);

  private OrchestratorHarness harness;

  @AfterEach
  void close() {
    harness.close();
  }

  private void given(Duration retention) {
    WorkflowRegistry registry = new WorkflowRegistry()
        .register("echo", String.class, (ctx, in) -> {
          ctx.now("started");
          return ctx.step("shout", String.class, s -> in.length() > 20 ? "long:" + in.length() : in.toUpperCase());
        })
        .register("sleepy", String.class, (ctx, in) -> {
          ctx.sleep("nap", Duration.ofDays(30));
          return in;
        })
        .register("patient", String.class, (ctx, in) -> ctx.awaitEvent("go", String.class)); // no deadline: no timer
    OrchestratorTopology.Settings settings = OrchestratorTopology.Settings.defaults();
    harness = new OrchestratorHarness(registry, (Executor) null, retention == null ? settings : settings.withRetention(retention));
  }

  @Test
  void aFinishedRunLeavesEveryStoreOnceTheRetentionWindowHasPassed() {
    given(WINDOW);
    harness.signal("r1", "never-awaited", "x", "s1"); // an early input: journal entries, a marker, a timer
    harness.request("r1", "echo", "hello");
    harness.settle();
    assertThat(harness.results()).extracting(r -> r.getStatus()).containsExactly(RunStatus.COMPLETED);
    assertThat(journalNames("r1")).contains(RunInputs.ENTRY, "started", "shout");
    assertThat(runs().get("r1")).isNotNull();

    harness.advanceWallClock(WINDOW.minusMinutes(1));
    harness.settle();
    assertThat(runs().get("r1")).as("inside the window the run is kept").isNotNull();
    assertThat(harness.metrics.storedRuns()).as("the stored-runs gauge").isEqualTo(1);

    harness.advanceWallClock(Duration.ofMinutes(2));
    harness.settle();
    assertThat(runs().get("r1")).isNull();
    assertThat(journalNames("r1")).isEmpty();
    assertThat(keysMentioning(harness.store(OrchestratorTopology.TIMERS_STORE), "r1")).isEmpty();
    assertThat(keysMentioning(harness.store(OrchestratorTopology.EXPIRY_STORE), "r1")).isEmpty();
    assertThat(harness.metrics.runsExpired.get()).isEqualTo(1);
    assertThat(harness.metrics.storedRuns()).isZero();
    assertThat(harness.deadLetterRecords()).as("expiry writes no dead letters").isEmpty();
  }

  @Test
  void waitingAndRunningRunsNeverExpireHoweverLongTheyTake() {
    given(Duration.ofMinutes(1));
    harness.request("sleeping", "sleepy", "a");
    harness.request("waiting", "patient", "b");
    harness.settle();
    harness.request("running", "echo", "c"); // its execution is never run: it stays RUNNING
    harness.advanceWallClock(Duration.ofDays(2));
    assertThat(runs().get("sleeping").getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(runs().get("waiting").getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(runs().get("running").getStatus()).isEqualTo(RunStatus.RUNNING);
    assertThat(journalNames("waiting")).contains(RunInputs.ENTRY, "$wait:go");
    assertThat(harness.metrics.runsExpired.get()).isZero();

    harness.signal("waiting", "go", "now", "s1");
    harness.settle();
    assertThat(runs().get("waiting").getStatus()).isEqualTo(RunStatus.COMPLETED);
    harness.advanceWallClock(Duration.ofMinutes(2));
    harness.settle();
    assertThat(runs().get("waiting")).as("finished: now it expires").isNull();
    assertThat(runs().get("sleeping")).isNotNull();
  }

  @Test
  void aRequestIsADuplicateWhileItsRunIsStoredAndStartsANewRunAfterItExpired() {
    given(WINDOW);
    harness.request("order-7", "echo", "first");
    harness.settle();
    harness.events();
    harness.advanceWallClock(Duration.ofMinutes(30));
    harness.request("order-7", "echo", "again");
    harness.settle();
    assertThat(harness.eventTypes(harness.events())).containsExactly(DUPLICATE_REQUEST);
    assertThat(harness.results()).as("one run, one result").hasSize(1);

    harness.advanceWallClock(Duration.ofMinutes(31));
    harness.settle();
    assertThat(runs().get("order-7")).isNull();
    harness.request("order-7", "echo", "third");
    harness.settle();
    assertThat(harness.eventTypes(harness.events())).containsSubsequence(RUN_STARTED, RUN_COMPLETED).doesNotContain(DUPLICATE_REQUEST);
    assertThat(harness.results()).singleElement()
        .satisfies(r -> assertThat(PayloadCodec.decode(r.getOutput(), String.class)).as("a new run, with the new input").isEqualTo("THIRD"));
  }

  @Test
  void aZeroWindowRemovesARunAtTheFirstTickAfterItFinished() {
    given(Duration.ZERO);
    harness.request("r0", "echo", "hello");
    harness.settle();
    assertThat(harness.results()).hasSize(1);
    assertThat(runs().get("r0")).as("finished, but no tick yet").isNotNull();
    harness.advanceWallClock(TICK);
    harness.settle();
    assertThat(runs().get("r0")).isNull();
    assertThat(journalNames("r0")).isEmpty();
  }

  @Test
  void withoutARetentionWindowFinishedRunsAreKept() {
    given(null);
    harness.request("r1", "echo", "hello");
    harness.settle();
    harness.advanceWallClock(Duration.ofDays(365));
    harness.settle();
    assertThat(runs().get("r1")).isNotNull();
    assertThat(keysMentioning(harness.store(OrchestratorTopology.EXPIRY_STORE), "r1")).isEmpty();
  }

  @Test
  void aRunFinishedBeforeTheIndexExistedIsFoundBySweepAndExpired() {
    given(WINDOW);
    // as a release without retention left it: a finished header and its journal, nothing in the expiry index
    long longAgo = OrchestratorHarness.START.minus(Duration.ofDays(3)).toEpochMilli();
    runs().put("old-1", header("old-1", RunStatus.COMPLETED, longAgo).build());
    journal().put("old-1\u0000shout", entry("old-1", "shout", longAgo));
    long recently = OrchestratorHarness.START.minus(Duration.ofMinutes(10)).toEpochMilli();
    runs().put("old-2", header("old-2", RunStatus.FAILED, recently).build());
    runs().put("old-3", header("old-3", RunStatus.WAITING, longAgo).build());

    harness.advanceWallClock(TICK);
    harness.settle();
    assertThat(runs().get("old-1")).as("finished days ago: removed by the sweep").isNull();
    assertThat(journalNames("old-1")).isEmpty();
    assertThat(runs().get("old-2")).as("finished 10 minutes ago: indexed, kept for now").isNotNull();
    assertThat(keysMentioning(harness.store(OrchestratorTopology.EXPIRY_STORE), "old-2")).hasSize(1);

    harness.advanceWallClock(Duration.ofMinutes(51));
    harness.settle();
    assertThat(runs().get("old-2")).isNull();
    assertThat(runs().get("old-3")).as("not finished: never expires").isNotNull();
    assertThat(harness.metrics.runsExpired.get()).isEqualTo(2);
  }

  @Test
  void anIndexEntryWrittenUnderAShorterWindowDoesNotRemoveARunTheCurrentWindowStillKeeps() {
    given(Duration.ofHours(3));
    // finished 2 h ago and indexed under a 1 h window (an engine that ran with --retention 1h before)
    long finished = OrchestratorHarness.START.minus(Duration.ofHours(2)).toEpochMilli();
    runs().put("r-long", header("r-long", RunStatus.COMPLETED, finished).build());
    KeyValueStore<Bytes, String> index = harness.store(OrchestratorTopology.EXPIRY_STORE);
    index.put(TimerStore.key(finished + Duration.ofHours(1).toMillis(), "r-long"), "r-long");

    harness.advanceWallClock(TICK);
    harness.settle();
    assertThat(runs().get("r-long")).as("due under the old window, not under the current one").isNotNull();

    harness.advanceWallClock(Duration.ofMinutes(61)); // 3 h after it finished
    harness.settle();
    assertThat(runs().get("r-long")).isNull();
    assertThat(keysMentioning(index, "r-long")).isEmpty();
  }

  @Test
  void theRunHeaderCarriesNoCopyOfALargeInput() {
    given(WINDOW);
    String large = "x".repeat(500_000);
    harness.request("big", "sleepy", large);
    harness.settle();
    RunState waiting = runs().get("big");
    assertThat(waiting.getStatus()).isEqualTo(RunStatus.WAITING);
    assertThat(waiting.getInput()).isNull();
    assertThat(Envelopes.encode(waiting).length).as("the header, rewritten at every transition").isLessThan(2_000);
    JournalEntry input = journal().get("big\u0000" + RunInputs.ENTRY);
    assertThat(input.getKind()).isEqualTo(EntryKind.INPUT);
    assertThat(PayloadCodec.decode(input.getValue(), String.class)).hasSize(500_000);

    harness.advanceWallClock(Duration.ofDays(31)); // the timer fires: the run is dispatched again, its input read from the journal
    harness.settle();
    assertThat(harness.results()).singleElement().satisfies(r -> {
      assertThat(r.getStatus()).isEqualTo(RunStatus.COMPLETED);
      assertThat(PayloadCodec.decode(r.getOutput(), String.class)).hasSize(500_000);
    });
  }

  @Test
  void aRunStoredByAnOlderReleaseWithItsInputInTheHeaderStillRuns() {
    given(WINDOW);
    // RUNNING with generation 1 and the input in its header, as a release before $input left it at a crash
    long now = OrchestratorHarness.START.toEpochMilli();
    runs().put("legacy", header("legacy", RunStatus.RUNNING, now).setGeneration(1).setInput(PayloadCodec.encode("from the header")).build());
    harness.advanceWallClock(Duration.ofSeconds(2)); // past the resume delay: unfinished runs are dispatched again
    harness.settle();
    assertThat(harness.results()).singleElement().satisfies(r -> {
      assertThat(r.getStatus()).isEqualTo(RunStatus.COMPLETED);
      assertThat(PayloadCodec.decode(r.getOutput(), String.class)).isEqualTo("FROM THE HEADER");
    });
    assertThat(runs().get("legacy").getInput()).as("moved out of the header at its first dispatch").isNull();
    assertThat(PayloadCodec.decode(journal().get("legacy\u0000" + RunInputs.ENTRY).getValue(), String.class)).isEqualTo("from the header");
  }

  private static RunState.Builder header(String runId, RunStatus status, long at) {
    return RunState.newBuilder().setRunId(runId).setWorkflowType("echo").setStatus(status).setGeneration(1).setCreatedAt(at)
        .setUpdatedAt(at);
  }

  private static JournalEntry entry(String runId, String name, long at) {
    return JournalEntry.newBuilder().setRunId(runId).setName(name).setKind(EntryKind.STEP).setSucceeded(true)
        .setValue(PayloadCodec.encode("v")).setGeneration(1).setRecordedAt(at).build();
  }

  private KeyValueStore<String, RunState> runs() {
    return harness.store(OrchestratorTopology.RUNS_STORE);
  }

  private KeyValueStore<String, JournalEntry> journal() {
    return harness.store(OrchestratorTopology.JOURNAL_STORE);
  }

  private List<String> journalNames(String runId) {
    List<String> names = new ArrayList<>();
    try (KeyValueIterator<String, JournalEntry> it = journal().prefixScan(runId + "\u0000", new StringSerializer())) {
      it.forEachRemaining(kv -> names.add(kv.value.getName()));
    }
    return names;
  }

  /** Keys of a time-ordered store (timers, expiry index: due time + run id) whose run id is {@code runId}. */
  private static List<Long> keysMentioning(KeyValueStore<Bytes, String> store, String runId) {
    List<Long> found = new ArrayList<>();
    try (KeyValueIterator<Bytes, String> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<Bytes, String> kv = it.next();
        byte[] key = kv.key.get();
        if (new String(key, 8, key.length - 8, StandardCharsets.UTF_8).equals(runId)) {
          found.add(java.nio.ByteBuffer.wrap(key).getLong());
        }
      }
    }
    return found;
  }
}
