package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class EngineMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final EngineMetrics metrics = new EngineMetrics(registry, Tags.of("application_id", "app"));

  @Test
  void deadLettersAreCountedByReasonAndAnUnboundedVocabularyEndsInOther() {
    metrics.deadLetter("UNDECODABLE_REQUEST");
    metrics.deadLetter("UNDECODABLE_REQUEST");
    for (int i = 0; i < EngineMetrics.MAX_KEYS + 10; i++) {
      metrics.deadLetter("CODE_" + i);
    }

    assertThat(registry.get("stepstream.dlq.records").tag("reason", "UNDECODABLE_REQUEST").functionCounter().count()).isEqualTo(2.0);
    assertThat(registry.get("stepstream.dlq.records").functionCounters()).hasSize(EngineMetrics.MAX_KEYS + 1);
    assertThat(metrics.deadLettersByReason().get("OTHER")).isEqualTo(11L);
    assertThat(metrics.deadLetters.get()).isEqualTo(EngineMetrics.MAX_KEYS + 12L);
  }

  @Test
  void stepDurationsAreTimedByWorkflowTypeAndOutcomeOnly() {
    metrics.stepAttempt("triage", true, 5_000_000);
    metrics.stepAttempt("triage", true, 7_000_000);
    metrics.stepAttempt("triage", false, 1_000_000);

    assertThat(registry.get("stepstream.step.duration").tags("workflow_type", "triage", "outcome", "succeeded").timer().count()).isEqualTo(2);
    assertThat(registry.get("stepstream.step.duration").timer().getId().getTags())
        .extracting(t -> t.getKey()).containsExactlyInAnyOrder("application_id", "workflow_type", "outcome");
  }

  @Test
  void unregisterRemovesEveryMeterOfTheEngineFromTheApplicationsRegistry() {
    metrics.runFinished("COMPLETED");
    metrics.stepAttempt("triage", true, 1);
    assertThat(registry.getMeters()).isNotEmpty();

    metrics.unregister();

    assertThat(registry.getMeters()).isEmpty();
  }
}
