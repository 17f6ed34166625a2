package io.stepstream.internal.orchestrator;

import io.stepstream.avro.ClaimCheck;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.Payload;
import io.stepstream.avro.RunState;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.payloads.Chunks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Deletion of claim-checked values when their run expires (ADR 0021): a tombstone for every chunk
 * the run's journal refers to, forwarded to {@code <prefix>.payloads} in the transaction that deletes
 * the journal, so compaction removes the chunks and the journal never outlives them.
 *
 * <p>Chunk keys are per run ({@code <runId>/<sha256>/<i>}): the same bytes in two runs are two copies,
 * so one run's expiry never deletes what another still reads. The one value two runs share is a
 * child's output, which its parent journals: the parent deletes it when the parent expires (a parent
 * may outlive its child by months), and the child leaves it alone.
 *
 * <p>Not deleted: chunks written by an execution whose outcome was never applied (a zombie, a crash
 * between the store's ack and the outcome's): nothing refers to them; they stay until someone
 * deletes them by key (docs/large-payloads.md).
 *
 * <p>A tombstone must land in the chunk's partition, which the reference names: the forwarded key is
 * {@code <partition>|<chunk key>}, and this class's serializer and partitioner split it.
 */
final class PayloadTombstones {
  private static final char SEPARATOR = '|';

  private PayloadTombstones() {}

  /** The references the run's journal holds (its own values and its children's outputs), one per key. */
  static List<ClaimCheck> of(RunState state, Map<String, JournalEntry> journal) {
    Map<String, ClaimCheck> byKey = new LinkedHashMap<>();
    for (JournalEntry entry : journal.values()) {
      add(byKey, entry.getValue());
      if (entry.getKind() == EntryKind.CHILD_RESULT && entry.getValue() != null && entry.getValue().getClaimCheck() == null) {
        try {
          add(byKey, PayloadCodec.decode(entry.getValue(), WorkflowResult.class).getOutput());
        } catch (RuntimeException notAResult) {
          // nothing of ours to delete in it
        }
      }
    }
    JournalEntry result = journal.get(RunStore.RESULT_ENTRY);
    if (state.getParentRunId() != null && result != null && result.getValue() != null && result.getValue().getClaimCheck() != null) {
      byKey.remove(result.getValue().getClaimCheck().getKey()); // the parent's to delete
    }
    return new ArrayList<>(byKey.values());
  }

  private static void add(Map<String, ClaimCheck> byKey, Payload value) {
    if (value != null && value.getClaimCheck() != null) {
      byKey.putIfAbsent(value.getClaimCheck().getKey(), value.getClaimCheck());
    }
  }

  /** The forwarded keys of {@code ref}'s tombstones: {@code <partition>|<key>/<i>}. */
  static List<String> routedKeys(ClaimCheck ref) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < ref.getOffsets().size(); i++) {
      keys.add(ref.getPartition() + String.valueOf(SEPARATOR) + Chunks.chunkKey(ref.getKey(), i));
    }
    return keys;
  }

  /** Writes the chunk key alone. */
  static Serializer<String> keySerializer() {
    return (topic, routed) -> routed == null ? null : chunkKey(routed).getBytes(StandardCharsets.UTF_8);
  }

  /** Sends each tombstone to the partition its reference names. */
  static StreamPartitioner<String, byte[]> partitioner() {
    return new StreamPartitioner<>() {
      @Override
      public Optional<Set<Integer>> partitions(String topic, String routed, byte[] value, int numPartitions) {
        int partition = Integer.parseInt(routed.substring(0, routed.indexOf(SEPARATOR)));
        return Optional.of(Set.of(partition));
      }
    };
  }

  static String chunkKey(String routed) {
    return routed.substring(routed.indexOf(SEPARATOR) + 1);
  }
}
