package io.stepstream.internal.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.internal.client.streams.StreamRecord;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AttemptStreamTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);
  private final RecordingStreamWriter writer = new RecordingStreamWriter();
  private final AttemptStream stream = new AttemptStream(writer, "r-1", "answer", 2, "exec-9", CLOCK);

  @Test
  void anAttemptThatNeverStreamsWritesNothingNotEvenAnEnd() {
    stream.end(true, null, Duration.ofSeconds(1));

    assertThat(writer.records()).isEmpty();
  }

  @Test
  void beginChunksAndEndAreNumberedInOrderWithinTheAttempt() {
    stream.append("Hel");
    stream.append("");
    stream.append("lo");
    stream.end(true, null, Duration.ofSeconds(1));

    assertThat(writer.records()).extracting(StreamRecord::type, StreamRecord::seq, StreamRecord::text)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("begin", 0L, null),
            org.assertj.core.groups.Tuple.tuple("chunk", 1L, "Hel"),
            org.assertj.core.groups.Tuple.tuple("chunk", 2L, "lo"),
            org.assertj.core.groups.Tuple.tuple("end", 3L, null));
    assertThat(writer.records()).allSatisfy(r -> {
      assertThat(r.runId()).isEqualTo("r-1");
      assertThat(r.step()).isEqualTo("answer");
      assertThat(r.attempt()).isEqualTo(2);
      assertThat(r.executionId()).isEqualTo("exec-9");
    });
    assertThat(writer.records().get(3).status()).isEqualTo("SUCCEEDED");
  }

  @Test
  void aFailedAttemptsEndSaysSoAndWhy() {
    stream.append("partial");
    stream.end(false, new IOException("connection reset"), Duration.ofSeconds(1));

    StreamRecord end = writer.records().get(2);
    assertThat(end.status()).isEqualTo("FAILED");
    assertThat(end.error()).isEqualTo("IOException: connection reset");
  }

  @Test
  void textAfterTheAttemptEndedIsRefusedAndTheEndIsWrittenOnce() {
    stream.append("a");
    stream.end(false, null, Duration.ofSeconds(1));
    stream.end(true, null, Duration.ofSeconds(1));

    assertThatThrownBy(() -> stream.append("late")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("run r-1").hasMessageContaining("step 'answer' attempt 2").hasMessageContaining("after the attempt ended");
    assertThat(writer.records()).extracting(StreamRecord::type).containsExactly("begin", "chunk", "end");
  }

  @Test
  void aChunkTooBigForOneRecordIsRefusedSayingHowToPublishIt() {
    assertThatThrownBy(() -> stream.append("x".repeat(AttemptStream.MAX_CHUNK_CHARS + 1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("run r-1").hasMessageContaining("step 'answer'").hasMessageContaining("smaller pieces");
    assertThat(writer.records()).isEmpty();
  }
}
