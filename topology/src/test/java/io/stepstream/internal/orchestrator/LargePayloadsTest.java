package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.ClaimCheck;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.internal.payloads.Chunks;
import io.stepstream.internal.payloads.ClaimChecks;
import io.stepstream.internal.payloads.InMemoryPayloadStore;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Claim checks in the engine (ADR 0021), on TopologyTestDriver with virtual time and an in-memory
 * store without a cache (every read goes to the store): a large step result is journaled as a
 * reference and read back where the replay reaches it; a corrupt or missing chunk parks the run
 * instead of handing the code a wrong value; the hard limit fails a step and an output at once; an
 * expired run tombstones its chunks.
 */
@Timeout(60)
class LargePayloadsTest {
  private static final int THRESHOLD = 2_000;
  private static final long HARD_LIMIT = 50_000;
  private final InMemoryPayloadStore store = new InMemoryPayloadStore("t.payloads", 1_000);
  private final AtomicInteger tooLargeAttempts = new AtomicInteger();
  private OrchestratorHarness harness;

  @AfterEach
  void close() {
    if (harness != null) {
      harness.close();
    }
  }

  private void given(Duration retention) {
    WorkflowRegistry registry = new WorkflowRegistry()
        .register("fetch-then-use", Integer.class, (ctx, length) -> {
          String fetched = ctx.step("fetch", String.class, s -> randomText(length)); // nondeterministic
          ctx.sleep("pause", Duration.ofMinutes(1)); // the next pass replays "fetch" from its reference
          int used = ctx.step("use", Integer.class, s -> fetched.length());
          return fetched + ":" + used;
        })
        .register("too-large-step", Integer.class, (ctx, length) -> ctx.step("tool", String.class, s -> {
          tooLargeAttempts.incrementAndGet();
          return "z".repeat(length);
        }).length())
        .register("too-large-output", Integer.class, (ctx, length) -> "o".repeat(length))
        .register("big-child", Integer.class, (ctx, length) -> ctx.step("make", String.class, s -> randomText(length)))
        .register("parent", Integer.class, (ctx, length) -> {
          String fromChild = ctx.startChild("kid", "big-child", length, String.class).get();
          return ctx.step("measure", Integer.class, s -> fromChild.length());
        });
    OrchestratorTopology.Settings settings = OrchestratorTopology.Settings.defaults();
    harness = new OrchestratorHarness(registry, (Executor) null, retention == null ? settings : settings.withRetention(retention));
    harness.publisher.claimChecks(ClaimChecks.using(store, THRESHOLD, HARD_LIMIT, 0));
  }

  @Test
  void aLargeStepResultIsJournaledAsAReferenceAndReadBackWhereTheReplayReachesIt() {
    given(null);
    harness.request("r1", "fetch-then-use", 10_000);
    harness.settle();
    JournalEntry fetch = entry("r1", "fetch");
    ClaimCheck ref = fetch.getValue().getClaimCheck();
    assertThat(ref).as("the journal holds a reference, not 10 KB").isNotNull();
    assertThat(fetch.getValue().getData().remaining()).isZero();
    assertThat(ref.getOffsets()).hasSize(11);

    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofSeconds(10));

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(result.getOutput().getClaimCheck()).as("the output, 10 KB too, is a reference as well").isNotNull();
    String output = PayloadCodec.decode(ClaimChecks.readingFrom(store).resolve(result.getOutput()), String.class);
    String fetched = PayloadCodec.decode(ClaimChecks.readingFrom(store).resolve(fetch.getValue()), String.class);
    assertThat(output).as("the replay read the value the step returned, byte for byte").isEqualTo(fetched + ":10000");
    RunState header = harness.<String, RunState>store(OrchestratorTopology.RUNS_STORE).get("r1");
    assertThat(io.stepstream.internal.codec.Envelopes.encode(header).length).as("the run header carries no large value").isLessThan(2_000);
  }

  @Test
  void aCorruptChunkParksTheRunInsteadOfHandingTheCodeAWrongValue() {
    given(null);
    harness.request("r1", "fetch-then-use", 10_000);
    harness.settle();
    store.corrupt(entry("r1", "fetch").getValue().getClaimCheck().getOffsets().get(4), new byte[1_000]);

    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofSeconds(10));

    AuditEvent parked = harness.events().stream().filter(e -> e.getType() == AuditEventType.RUN_PARKED).findFirst().orElseThrow();
    assertThat(parked.getDetail()).startsWith("UNDECODABLE_JOURNAL").contains("fetch").contains("is corrupt");
    assertThat(entry("r1", "use")).as("the next step never ran").isNull();
    assertThat(harness.results()).isEmpty();
  }

  @Test
  void aMissingChunkParksTheRunNamingTheChunk() {
    given(null);
    harness.request("r1", "fetch-then-use", 10_000);
    harness.settle();
    store.delete(Chunks.chunkKey(entry("r1", "fetch").getValue().getClaimCheck().getKey(), 7));

    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofSeconds(10));

    AuditEvent parked = harness.events().stream().filter(e -> e.getType() == AuditEventType.RUN_PARKED).findFirst().orElseThrow();
    assertThat(parked.getDetail()).contains("chunk 7 of the claim-checked value").contains("is missing");
  }

  @Test
  void aStepResultOverTheHardLimitFailsTheStepAtOnceWithoutRetries() {
    given(null);
    harness.request("r1", "too-large-step", 60_000);
    harness.advanceAndSettle(Duration.ofMinutes(10), Duration.ofSeconds(10));

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getType()).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(result.getError().getStep()).isEqualTo("tool");
    assertThat(result.getError().getMessage())
        .contains("the result of step 'tool' in run r1 is 60002 bytes, larger than maxPayloadSize (50000 bytes)");
    assertThat(tooLargeAttempts).as("not retried").hasValue(1);
    assertThat(store.liveKeys()).as("nothing stored").isEmpty();
  }

  @Test
  void anOutputOverTheHardLimitFailsTheRunNamingTheSizeAndTheLimit() {
    given(null);
    harness.request("r1", "too-large-output", 60_000);
    harness.settle();

    WorkflowResult result = harness.results().get(0);
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getType()).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(result.getError().getMessage()).contains("the output in run r1 is 60002 bytes, larger than maxPayloadSize (50000 bytes)");
  }

  @Test
  void anExpiredRunTombstonesEveryChunkItsJournalRefersTo() {
    given(Duration.ofHours(1));
    harness.request("r1", "fetch-then-use", 10_000);
    harness.advanceAndSettle(Duration.ofMinutes(2), Duration.ofSeconds(10));
    ClaimCheck fetched = entry("r1", "fetch").getValue().getClaimCheck();
    ClaimCheck output = harness.results().get(0).getOutput().getClaimCheck();
    assertThat(harness.emitted("t.payloads")).as("nothing deleted while the run is kept").isEmpty();

    harness.advanceAndSettle(Duration.ofMinutes(62), Duration.ofMinutes(1));

    List<TestRecord<String, byte[]>> tombstones = harness.emitted("t.payloads");
    assertThat(tombstones).allSatisfy(t -> assertThat(t.value()).isNull());
    Map<String, Integer> expected = new HashMap<>();
    for (ClaimCheck ref : List.of(fetched, output)) {
      for (int i = 0; i < ref.getOffsets().size(); i++) {
        expected.put(Chunks.chunkKey(ref.getKey(), i), 1);
      }
    }
    assertThat(tombstones).extracting(TestRecord::key).containsExactlyInAnyOrderElementsOf(expected.keySet());
    assertThat(entry("r1", "fetch")).as("the journal went in the same transaction").isNull();
  }

  @Test
  void aParentReadsItsChildsClaimCheckedOutput() {
    given(null);
    harness.request("p", "parent", 10_000);
    harness.settle();

    WorkflowResult parent = harness.results().stream().filter(r -> r.getRunId().equals("p")).findFirst().orElseThrow();
    assertThat(parent.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(parent.getOutput(), Integer.class)).isEqualTo(10_000);
    WorkflowResult childAsJournaled = PayloadCodec.decode(entry("p", "kid").getValue(), WorkflowResult.class);
    assertThat(childAsJournaled.getOutput().getClaimCheck()).as("the parent's journal holds the child's reference").isNotNull();
    assertThat(childAsJournaled.getOutput().getClaimCheck().getKey()).startsWith("p::kid/");
  }

  @Test
  void aChildLeavesItsOutputToItsParentWhichDeletesItWhenItExpires() {
    ClaimCheck childOutput = ref("child", "aa");
    ClaimCheck childStep = ref("child", "bb");
    RunState child = RunState.newBuilder(state("child")).setParentRunId("parent").build();
    Map<String, JournalEntry> childJournal = Map.of(
        "step", entry("child", "step", EntryKind.STEP, claimChecked(childStep)),
        RunStore.RESULT_ENTRY, entry("child", RunStore.RESULT_ENTRY, EntryKind.UNKNOWN, claimChecked(childOutput)));
    assertThat(PayloadTombstones.of(child, childJournal)).containsExactly(childStep);

    WorkflowResult childResult = WorkflowResult.newBuilder().setRunId("child").setWorkflowType("w").setStatus(RunStatus.COMPLETED)
        .setOutput(claimChecked(childOutput)).setStartedAt(1).setFinishedAt(2).build();
    Map<String, JournalEntry> parentJournal = Map.of("kid", entry("parent", "kid", EntryKind.CHILD_RESULT, PayloadCodec.encode(childResult)));
    assertThat(PayloadTombstones.of(state("parent"), parentJournal)).containsExactly(childOutput);
  }

  @Test
  void aTombstoneIsRoutedToThePartitionItsReferenceNames() {
    ClaimCheck ref = ClaimCheck.newBuilder(ref("r1", "cc")).setPartition(4).setOffsets(List.of(10L, 11L)).build();
    List<String> routed = PayloadTombstones.routedKeys(ref);
    assertThat(routed).containsExactly("4|r1/cc/0", "4|r1/cc/1");
    assertThat(PayloadTombstones.partitioner().partitions("t.payloads", routed.get(1), null, 6)).contains(java.util.Set.of(4));
    assertThat(new String(PayloadTombstones.keySerializer().serialize("t.payloads", routed.get(1)))).isEqualTo("r1/cc/1");
  }

  @Test
  void theQueryApiShowsAClaimCheckedValuesSizeAndReferenceNotItsBytes() {
    given(null);
    harness.request("r1", "fetch-then-use", 10_000);
    harness.settle();
    Payload fetched = entry("r1", "fetch").getValue();

    var view = io.stepstream.internal.query.RunViews.value(fetched);

    assertThat(view.path("bytes").asLong()).isEqualTo(10_002); // the JSON string
    assertThat(view.path("json").isNull()).isTrue();
    assertThat(view.path("text").asText()).startsWith("<claim-checked JSON value, 10002 bytes, sha256 ");
    assertThat(view.path("claimCheck").path("sha256").asText()).isEqualTo(fetched.getClaimCheck().getSha256());
    assertThat(view.path("claimCheck").path("offsets")).hasSize(11);
    assertThat(view.toString().length()).as("no value inlined").isLessThan(1_000);
  }

  private static ClaimCheck ref(String runId, String sha) {
    return ClaimCheck.newBuilder().setSha256(sha).setSize(3).setTopic("t.payloads").setPartition(0).setKey(runId + "/" + sha)
        .setOffsets(List.of(0L)).build();
  }

  private static Payload claimChecked(ClaimCheck ref) {
    return Payload.newBuilder().setEncoding(io.stepstream.avro.PayloadEncoding.JSON).setData(java.nio.ByteBuffer.allocate(0)).setJavaType(null).setClaimCheck(ref).build();
  }

  private static RunState state(String runId) {
    return RunState.newBuilder().setRunId(runId).setWorkflowType("w").setStatus(RunStatus.COMPLETED).setGeneration(1).setEntryCount(0)
        .setCreatedAt(0).setUpdatedAt(0).build();
  }

  private static JournalEntry entry(String runId, String name, EntryKind kind, Payload value) {
    return JournalEntry.newBuilder().setRunId(runId).setName(name).setKind(kind).setSucceeded(true).setValue(value).setGeneration(1)
        .setRecordedAt(0).build();
  }

  private JournalEntry entry(String runId, String name) {
    return harness.<String, JournalEntry>store(OrchestratorTopology.JOURNAL_STORE).get(runId + RunStore.SEPARATOR + name);
  }

  private static String randomText(int length) {
    StringBuilder text = new StringBuilder(length);
    while (text.length() < length) {
      text.append(UUID.randomUUID());
    }
    return text.substring(0, length);
  }
}
