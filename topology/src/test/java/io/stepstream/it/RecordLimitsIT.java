package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record sizes come from the topics' configuration on the real broker, not from a constant. Step
 * results that do not fit go to the claim-check store (docs/large-payloads.md) even below its
 * threshold; what must travel inline (here: emitted records) still fails loudly at the topic's limit.
 */
@Timeout(180)
class RecordLimitsIT {
  @TempDir Path dir;

  @Test
  void aStepResultOverTheStepOutcomesTopicsMaxMessageBytesIsClaimCheckedAndAnEmitOverItFailsNamingTheLimitAndTheTopic() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      // an operator made one topic stricter than the broker's default (1 MiB)
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("lim.step-outcomes", 3, (short) 1).configs(Map.of("max.message.bytes", "200000")),
                new NewTopic("lim.user-topic", 3, (short) 1)))
            .all().get(30, TimeUnit.SECONDS);
      }
      try (Stepstream engine = Stepstream.builder()
          .bootstrapServers(kafka.bootstrapServers())
          .topicPrefix("lim")
          .stateDir(dir.resolve("state"))
          .partitions(3)
          .approvalSecret("record-limits-test-secret")
          .emitTopics("lim.user-topic")
          .register("text-of-length", Integer.class, (ctx, n) -> ctx.step("write", String.class, s -> "x".repeat(n)).length())
          .register("emit-of-length", Integer.class, (ctx, n) -> ctx.step("write", Integer.class, s -> {
            s.emit("lim.user-topic", "k", "x".repeat(n));
            return n;
          }))
          .build()
          .start()) {
        RunResult aboveTheTopic = engine.client().start("text-of-length", "too-large-inline", 250_000).await(Duration.ofSeconds(60));
        RunResult fits = engine.client().start("text-of-length", "fits", 150_000).await(Duration.ofSeconds(60));
        RunResult tooLarge = engine.client().start("emit-of-length", "too-large", 250_000).await(Duration.ofSeconds(60));

        // 250,000 bytes are below the claim-check threshold (256 KiB) but above this topic's records:
        // stored as a claim check instead of failing (before claim checks: RECORD_TOO_LARGE)
        assertThat(aboveTheTopic.output(Integer.class)).as("claim-checked because the topic cannot hold it").isEqualTo(250_000);
        assertThat(fits.output(Integer.class)).as("below the topic's limit").isEqualTo(150_000);
        // an emitted record must travel inline: it fails at once and says why
        assertThat(tooLarge.status()).isEqualTo(RunStatus.FAILED);
        assertThat(tooLarge.errorType()).isEqualTo("RECORD_TOO_LARGE");
        assertThat(tooLarge.failedStep()).contains("write");
        assertThat(tooLarge.errorMessage())
            .contains("step 'write' in run too-large")
            .contains((200_000 - 32 * 1024) + " bytes (max.message.bytes=200000 of topic lim.step-outcomes");
        System.out.println("RECORD_TOO_LARGE: " + tooLarge.errorMessage()); // docs/security.md quotes it
      }
    }
  }
}
