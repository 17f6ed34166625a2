package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stepstream.ApprovalRequest;
import io.stepstream.RunStatus;
import io.stepstream.Workflow;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Histories read from a real engine's journal changelog (a real broker, EmbeddedKafka) replay
 * against the code that recorded them, and changed code is reported.
 */
@Timeout(180)
class HistoryFromChangelogIT {
  record Order(String id, int quantity) {}

  static final Workflow<Order, String> ORDER = (ctx, order) -> {
    String reservation = ctx.step("reserve", String.class, s -> "R-" + order.id());
    int total = ctx.step("price", Integer.class, s -> order.quantity() * 7);
    return reservation + " " + total;
  };

  static final Workflow<String, String> REVIEW = (ctx, doc) -> {
    String draft = ctx.step("draft", String.class, s -> "draft of " + doc);
    var a = ctx.awaitApproval("go-live", ApprovalRequest.of("Publish " + doc + "?"), Duration.ofHours(1));
    return (a.approved() ? "published " : "kept ") + draft;
  };

  @Test
  void historiesReadFromARunningEnginesChangelogReplayAgainstTheirCodeAndChangesAreReported(@TempDir Path dir) throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        Stepstream engine = Stepstream.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .topicPrefix("tk")
            .stateDir(dir.resolve("state"))
            .approvalSecret("testkit-it-secret-0123")
            .register("order", Order.class, ORDER)
            .register("review", String.class, REVIEW)
            .build()
            .start()) {
      assertThat(engine.client().start("order", "order-1", new Order("book", 3)).await(Duration.ofSeconds(60)).output(String.class))
          .isEqualTo("R-book 21");
      engine.client().start("review", "review-1", "the launch post");
      Map<String, Object> kafkaProperties = Map.of("bootstrap.servers", kafka.bootstrapServers());

      List<WorkflowHistory> histories = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> HistorySource.fromChangelog(kafkaProperties, "tk-engine", List.of("order-1", "review-1")),
              h -> h.get(1).status().filter(s -> s == RunStatus.WAITING).isPresent());

      WorkflowHistory order = histories.get(0);
      assertThat(order.workflowType()).isEqualTo("order");
      assertThat(order.status()).contains(RunStatus.COMPLETED);
      assertThat(order.inputText()).isEqualTo("{\"id\":\"book\",\"quantity\":3}");
      assertThat(order.journal()).extracting(JournalRecord::name).containsExactly("reserve", "price");
      assertThat(order.journal().get(1).value(Integer.class)).isEqualTo(21);
      assertThat(histories.get(1).journal()).extracting(JournalRecord::name).contains("draft", "$wait:go-live");

      ReplayReports same = WorkflowReplayer.builder().register("order", Order.class, ORDER).register("review", String.class, REVIEW).build()
          .replay(histories);
      assertThat(same.allDeterministic()).as(same.toString()).isTrue();

      histories.get(0).writeTo(dir.resolve("order-1.json")); // exported from a cluster, kept as a test resource
      ReplayReports changed = WorkflowReplayer.builder()
          .register("order", Order.class, (ctx, o) -> ctx.step("reserve", String.class, s -> "R") + ctx.step("price-v2", Integer.class, s -> 1))
          .build()
          .replay(HistorySource.fromFiles(dir.resolve("order-1.json")));
      assertThat(changed.nonDeterministic()).singleElement()
          .satisfies(r -> assertThat(r.problem()).contains("run order-1").contains("'price-v2'"));
    }
  }
}
