package io.stepstream.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.internal.executor.RecordLimit;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordLimitsTest {
  @Test
  void theSmallestTopicLimitWinsLessTheHeadroomAndIsNamed() {
    RecordLimit limit = RecordLimits.smallest(Map.of("s.results", 1_048_588, "s.step-outcomes", 200_000, "s.events", 500_000), 1_048_576);

    assertThat(limit.bytes()).isEqualTo(200_000 - RecordLimits.HEADROOM);
    assertThat(limit.describe()).startsWith((200_000 - RecordLimits.HEADROOM) + " bytes (max.message.bytes=200000 of topic s.step-outcomes")
        .contains("raise max.message.bytes of s.step-outcomes");
  }

  @Test
  void aProducerMaxRequestSizeBelowEveryTopicLimitWins() {
    RecordLimit limit = RecordLimits.smallest(Map.of("s.results", 1_048_588), 500_000);

    assertThat(limit.bytes()).isEqualTo(500_000 - RecordLimits.HEADROOM);
    assertThat(limit.source()).contains("max.request.size=500000");
  }

  @Test
  void aTopicTooSmallForTheEnginesOwnRecordsIsRefusedNamingIt() {
    assertThatThrownBy(() -> RecordLimits.smallest(Map.of("s.dlq", 50_000), 1_048_576))
        .hasMessageContaining("max.message.bytes=50000 of topic s.dlq is too small")
        .hasMessageContaining("at least 65536");
  }

  @Test
  void changelogsAreTheApplicationsStoreTopics() {
    assertThat(RecordLimits.changelogs(Set.of("app-stepstream-runs-changelog", "app-x-repartition", "other-runs-changelog", "s.results"), "app"))
        .containsExactly("app-stepstream-runs-changelog");
  }
}
