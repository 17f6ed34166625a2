package io.stepstream.internal.client.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StreamRecordsTest {

  @Test
  void aChunkIsPlainJsonWithEveryFieldAFollowerNeeds() {
    byte[] json = StreamRecords.encode(StreamRecord.chunk("r-1", "answer", 2, "exec-7", 3, "Hel\"lo\n", 1_764_662_400_000L));

    assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo(
        "{\"v\":1,\"type\":\"chunk\",\"runId\":\"r-1\",\"step\":\"answer\",\"attempt\":2,\"executionId\":\"exec-7\",\"seq\":3,"
            + "\"text\":\"Hel\\\"lo\\n\",\"at\":1764662400000}");
  }

  @Test
  void everyRecordTypeSurvivesARoundTrip() {
    for (StreamRecord r : new StreamRecord[] {
        StreamRecord.begin("r-1", "answer", 1, "e", 5),
        StreamRecord.chunk("r-1", "answer", 1, "e", 1, "tok", 6),
        StreamRecord.end("r-1", "answer", 1, "e", 2, false, "IOException: boom", 7),
        StreamRecord.end("r-1", "answer", 2, "e", 2, true, null, 8),
        StreamRecord.runEnd("r-1", "COMPLETED", 9)}) {
      assertThat(StreamRecords.decode(StreamRecords.encode(r))).isEqualTo(r);
    }
  }

  @Test
  void aRunEndCarriesNoAttemptFields() {
    String json = new String(StreamRecords.encode(StreamRecord.runEnd("r-1", "FAILED", 9)), StandardCharsets.UTF_8);

    assertThat(json).isEqualTo("{\"v\":1,\"type\":\"run-end\",\"runId\":\"r-1\",\"status\":\"FAILED\",\"at\":9}");
  }

  @Test
  void somethingElseIsRefusedSayingWhy() {
    assertThatThrownBy(() -> StreamRecords.decode("not json".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> StreamRecords.decode("[1]".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> StreamRecords.decode("{\"v\":2,\"type\":\"chunk\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("version 2");
    assertThatThrownBy(() -> StreamRecords.decode("{\"v\":1,\"type\":\"partial\",\"runId\":\"r\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("type 'partial'");
    assertThatThrownBy(() -> StreamRecords.decode("{\"v\":1,\"type\":\"chunk\",\"runId\":\"r\",\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("run r without step, attempt or seq");
  }
}
