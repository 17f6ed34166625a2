package io.stepstream.internal.payloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.avro.ClaimCheck;
import io.stepstream.avro.Payload;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.JsonEnvelopes;
import io.stepstream.internal.codec.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The claim-check format and policy: chunking, reassembly, verification, limits, and the reference on the JSON wire. */
@Timeout(30)
class ClaimChecksTest {
  private static final int CHUNK = 1000;
  private final InMemoryPayloadStore store = new InMemoryPayloadStore("t.payloads", CHUNK);
  /** No cache: every resolve reads the store, as a fresh process would. */
  private final ClaimChecks checks = ClaimChecks.using(store, 2_000, 100_000, 0);

  record Doc(String text) {}

  private static Payload doc(int length) {
    byte[] random = new byte[length];
    new Random(length).nextBytes(random);
    return PayloadCodec.encode(new Doc(java.util.Base64.getEncoder().encodeToString(random).substring(0, length)));
  }

  @Test
  void aValueIsCutIntoChunksOfAtMostTheChunkSizeAndJoinedBackExactly() {
    byte[] bytes = "abcdefghij".repeat(250).getBytes(StandardCharsets.UTF_8); // 2,500 bytes
    List<byte[]> chunks = Chunks.split(bytes, CHUNK);
    assertThat(chunks).extracting(c -> c.length).containsExactly(1000, 1000, 500);
    ClaimCheck ref = ClaimCheck.newBuilder().setSha256(Chunks.sha256(bytes)).setSize(bytes.length).setTopic("t").setPartition(0)
        .setKey("r/x").setOffsets(List.of(0L, 1L, 2L)).build();
    assertThat(Chunks.join(ref, chunks)).isEqualTo(bytes);
    assertThat(Chunks.split(new byte[0], CHUNK)).as("an empty value is one empty chunk").hasSize(1);
  }

  @Test
  void aValueAtOrBelowTheThresholdStaysInline() {
    Payload small = doc(1_500);
    assertThat(checks.offload("r1", small)).isSameAs(small);
    assertThat(store.liveKeys()).isEmpty();
  }

  @Test
  void aValueAboveTheThresholdBecomesAReferenceThatResolvesToTheSameBytes() {
    Payload large = doc(5_000);
    Payload journaled = checks.offload("r1", large);

    ClaimCheck ref = journaled.getClaimCheck();
    assertThat(ref).isNotNull();
    assertThat(journaled.getData().remaining()).isZero();
    assertThat(ref.getSize()).isEqualTo(large.getData().remaining());
    assertThat(ref.getSha256()).isEqualTo(Chunks.sha256(PayloadCodec.bytes(large)));
    assertThat(ref.getKey()).isEqualTo("r1/" + ref.getSha256());
    assertThat(ref.getOffsets()).hasSize(6); // 5,011 bytes of JSON in 1,000-byte chunks
    assertThat(store.liveKeys()).startsWith(ref.getKey() + "/0").endsWith(ref.getKey() + "/5");

    Payload resolved = checks.resolve(journaled);
    assertThat(resolved.getClaimCheck()).isNull();
    assertThat(PayloadCodec.decode(resolved, Doc.class)).isEqualTo(PayloadCodec.decode(large, Doc.class));
  }

  @Test
  void aValueThatDoesNotFitItsRecordIsStoredEvenBelowTheThreshold() {
    assertThat(checks.offload("r1", doc(1_500), true).getClaimCheck()).isNotNull();
  }

  @Test
  void aValueAboveTheHardLimitIsRefusedNamingItsSizeAndTheLimit() {
    assertThatThrownBy(() -> checks.offload("r1", doc(150_000)))
        .isInstanceOf(PayloadTooLargeException.class)
        .hasMessage("150011 bytes, larger than maxPayloadSize 100000 bytes");
    assertThat(store.liveKeys()).as("nothing stored").isEmpty();
  }

  @Test
  void aCorruptedChunkIsAClearErrorNeverAWrongValue() {
    Payload journaled = checks.offload("r1", doc(5_000));
    store.corrupt(journaled.getClaimCheck().getOffsets().get(2), new byte[CHUNK]); // same length, other bytes

    assertThatThrownBy(() -> checks.resolve(journaled))
        .isInstanceOfSatisfying(ClaimCheckException.class, e -> assertThat(e.isPermanent()).isTrue())
        .hasMessageContaining("is corrupt: the bytes read have SHA-256")
        .hasMessageContaining(journaled.getClaimCheck().getSha256());
  }

  @Test
  void aChunkOfAnotherLengthIsAClearError() {
    Payload journaled = checks.offload("r1", doc(5_000));
    store.corrupt(journaled.getClaimCheck().getOffsets().get(5), new byte[3]);

    assertThatThrownBy(() -> checks.resolve(journaled)).isInstanceOf(ClaimCheckException.class).hasMessageContaining("bytes read, 5011 referenced");
  }

  @Test
  void aDeletedChunkIsAClearErrorNamingTheChunkAndWhereItWas() {
    Payload journaled = checks.offload("r1", doc(5_000));
    store.delete(Chunks.chunkKey(journaled.getClaimCheck().getKey(), 3));

    assertThatThrownBy(() -> checks.resolve(journaled))
        .isInstanceOfSatisfying(ClaimCheckException.class, e -> assertThat(e.isPermanent()).isTrue())
        .hasMessageContaining("chunk 3 of the claim-checked value 5011 bytes")
        .hasMessageContaining("topic t.payloads partition 0")
        .hasMessageContaining("is missing");
  }

  @Test
  void theSameBytesOfTheSameRunGetTheSameKeysSoADuplicateWriteIsHarmless() {
    Payload first = checks.offload("r1", doc(5_000));
    Payload again = checks.offload("r1", doc(5_000)); // a retried step that produced the same value
    Payload otherRun = checks.offload("r2", doc(5_000));

    assertThat(again.getClaimCheck().getKey()).isEqualTo(first.getClaimCheck().getKey());
    assertThat(otherRun.getClaimCheck().getKey()).as("each run its own copy: expiry never deletes another run's value")
        .isNotEqualTo(first.getClaimCheck().getKey());
    assertThat(PayloadCodec.decode(checks.resolve(first), Doc.class)).isEqualTo(PayloadCodec.decode(checks.resolve(again), Doc.class));
  }

  @Test
  void aReaderWithoutAStoreRefusesAReferenceInsteadOfDecodingNothing() {
    Payload journaled = checks.offload("r1", doc(5_000));

    assertThatThrownBy(() -> PayloadResolver.NONE.resolve(journaled)).hasMessageContaining("this reader has no claim-check store");
    assertThatThrownBy(() -> PayloadCodec.decode(journaled, Doc.class)).hasMessageContaining("cannot decode a claim-checked payload");
    assertThat(PayloadCodec.describe(journaled)).startsWith("<claim-checked JSON value, 5011 bytes, sha256 ");
  }

  @Test
  void aClaimCheckedOutputSurvivesTheJsonWireFormat() {
    Payload journaled = checks.offload("r1", doc(5_000));
    WorkflowResult result = WorkflowResult.newBuilder().setRunId("r1").setWorkflowType("w").setStatus(io.stepstream.avro.RunStatus.COMPLETED)
        .setOutput(journaled).setStartedAt(1).setFinishedAt(2).build();

    byte[] json = JsonEnvelopes.writer(WorkflowResult.getClassSchema(), Map.of()).write(result);
    assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"$claimCheck\":{\"encoding\":\"JSON\",\"sha256\":\"");
    WorkflowResult back = JsonEnvelopes.read(json, WorkflowResult.getClassSchema());

    assertThat(back.getOutput().getClaimCheck()).isEqualTo(journaled.getClaimCheck());
    assertThat(PayloadCodec.decode(checks.resolve(back.getOutput()), Doc.class)).isEqualTo(PayloadCodec.decode(doc(5_000), Doc.class));
  }

  @Test
  void aClientsRunResultReadsTheOutputOnlyWhenAsked() {
    Payload journaled = checks.offload("r1", doc(5_000));
    int[] reads = {0};
    PayloadResolver counting = p -> {
      reads[0]++;
      return checks.resolve(p);
    };
    var value = ClaimCheckedValue.of(journaled, counting);
    assertThat(reads[0]).isZero();
    assertThat(value.as(Doc.class).text()).hasSize(5_000);
    value.as(Doc.class);
    assertThat(reads[0]).as("read once").isEqualTo(1);
  }
}
