package io.stepstream.client;

import io.stepstream.ApprovalRequest;
import io.stepstream.RunResult;
import io.stepstream.client.WorkflowClient;
import io.stepstream.engine.Stepstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.RunStatus;
import io.stepstream.it.TopicReader;
import io.stepstream.devkafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link WorkflowClient} against a real engine on a real broker (the CLI's own tests are in the cli module). */
@Timeout(180)
class WorkflowClientIT {
  record Order(String item, int quantity) {}

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static WorkflowClient early;
  static Stepstream engine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    // Created while the broker has none of the engine's topics: the engine below creates them.
    early = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix("wc").build();
    engine =
        Stepstream.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .topicPrefix("wc")
            .stateDir(dir.resolve("state"))
            .partitions(3)
            .approvalSecret("client-it-secret-0123")
            .register("order", Order.class, (ctx, o) -> ctx.step("price", String.class, s -> o.item() + " x" + o.quantity()))
            .register("review", String.class, (ctx, in) ->
                ctx.awaitApproval("go-live", ApprovalRequest.of("Publish " + in + "?").approvers("alice"), Duration.ofHours(1)).approver())
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    if (early != null) {
      early.close();
    }
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aClientCreatedBeforeTheEngineCreatedItsTopicsReceivesResults() {
    RunResult result = early.start("order", "early-1", new Order("tea", 2)).await(Duration.ofSeconds(90));

    assertThat(result.output(String.class)).isEqualTo("tea x2");
  }

  @Test
  void startingARunIdThatAlreadyFinishedAnswersWithItsExistingResult() {
    RunResult first = engine.client().start("order", "dup-1", new Order("book", 1)).await(Duration.ofSeconds(60));
    assertThat(first.status()).isEqualTo(RunStatus.COMPLETED);

    try (WorkflowClient fresh = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix("wc").build()) {
      RunResult again = fresh.start("order", "dup-1", new Order("pen", 9)).await(Duration.ofSeconds(60));

      assertThat(again.output(String.class)).isEqualTo("book x1");
    }
    assertThat(engine.client().start("order", "dup-1", new Order("cup", 3)).await(Duration.ofSeconds(60)).output(String.class))
        .isEqualTo("book x1");
    assertThat(TopicReader.readAll(kafka.bootstrapServers(), engine.topics().results()))
        .filteredOn(r -> r.key().equals("dup-1"))
        .hasSize(1);
  }
}
