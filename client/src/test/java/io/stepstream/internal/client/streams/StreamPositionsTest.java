package io.stepstream.internal.client.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StreamPositionsTest {

  @Test
  void aPositionNamesThePartitionAndTheNextOffsetToRead() {
    String token = StreamPositions.of(3, 1042);

    assertThat(token).isEqualTo("3-1042");
    assertThat(StreamPositions.offsetOf(token, 3, "r-1")).isEqualTo(1042);
  }

  @Test
  void noPositionMeansFromTheBeginning() {
    assertThat(StreamPositions.offsetOf(null, 0, "r-1")).isEqualTo(-1);
    assertThat(StreamPositions.offsetOf(" ", 0, "r-1")).isEqualTo(-1);
  }

  @Test
  void aPositionOfAnotherPartitionOrGarbageIsRefusedNamingTheRun() {
    assertThatThrownBy(() -> StreamPositions.offsetOf("2-10", 3, "r-1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not one of run r-1's stream");
    for (String bad : new String[] {"10", "a-b", "-5", "3-", "3--1"}) {
      assertThatThrownBy(() -> StreamPositions.offsetOf(bad, 3, "r-1")).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("r-1");
    }
  }
}
