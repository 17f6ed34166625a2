package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stepstream.RetryPolicy;
import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.StepOptions;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ctx.emit on a real broker: a read_committed consumer of the user topic sees exactly the records, with their headers. */
@Timeout(120)
class EmitIT {
  static final String SHIPPED = "emit-it.shipped";

  record Parcel(String order, String tracking) {}

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(SHIPPED, 2, (short) 1))).all().get();
    }
    engine =
        Stepstream.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .topicPrefix("emit-it")
            .stateDir(dir.resolve("state"))
            .partitions(2)
            .approvalSecret("integration-test-secret")
            .emitTopics(SHIPPED)
            .register("ship", String.class, (ctx, order) -> {
              Parcel parcel = ctx.step("label", Parcel.class, StepOptions.retry(RetryPolicy.builder().initialInterval(Duration.ofMillis(100)).build()), s -> {
                Parcel p = new Parcel(order, UUID.randomUUID().toString()); // a new value per attempt
                s.emit(SHIPPED, order, p, Map.of("kind", "label"));
                if (s.attempt() == 1) {
                  throw new IllegalStateException("carrier timeout"); // this attempt's record must never show
                }
                return p;
              });
              ctx.emit(SHIPPED, order, "shipped " + parcel.tracking());
              ctx.sleep("cool-down", Duration.ofMillis(300)); // the code replays past the first emit
              ctx.emit(SHIPPED, null, new byte[] {1, 2, 3});
              return parcel.tracking();
            })
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aReadCommittedConsumerSeesEachEmittedRecordOnceWithItsHeadersAndTheStepsFromItsSuccessfulAttemptOnly() throws Exception {
    RunResult result = engine.client().start("ship", "ship-1", "o-1").await(Duration.ofSeconds(60));
    assertThat(result.status()).as(result.toString()).isEqualTo(RunStatus.COMPLETED);
    String tracking = result.output(String.class);

    // the result is committed with (or after) every record: all of them are readable now
    List<ConsumerRecord<String, byte[]>> records = TopicReader.readAll(kafka.bootstrapServers(), SHIPPED);
    assertThat(records).extracting(r -> header(r, "stepstream.emit"))
        .containsExactlyInAnyOrder("$emit:label:0", "$emit:1", "$emit:2");
    assertThat(records).allSatisfy(r -> assertThat(header(r, "stepstream.run-id")).isEqualTo("ship-1"));

    ConsumerRecord<String, byte[]> label = byEmit(records, "$emit:label:0");
    assertThat(label.key()).isEqualTo("o-1");
    assertThat(header(label, "kind")).isEqualTo("label");
    assertThat(new String(label.value(), StandardCharsets.UTF_8))
        .as("the record of the attempt whose result the run got").isEqualTo("{\"order\":\"o-1\",\"tracking\":\"" + tracking + "\"}");

    ConsumerRecord<String, byte[]> shipped = byEmit(records, "$emit:1");
    assertThat(new String(shipped.value(), StandardCharsets.UTF_8)).isEqualTo("shipped " + tracking);

    ConsumerRecord<String, byte[]> raw = byEmit(records, "$emit:2");
    assertThat(raw.key()).isNull();
    assertThat(raw.value()).containsExactly(1, 2, 3);
  }

  @Test
  void startFailsNamingADeclaredEmitTopicThatDoesNotExist() {
    var builder = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix("emit-it")
        .applicationId("emit-it-missing")
        .stateDir(dir.resolve("state-missing"))
        .approvalSecret("integration-test-secret")
        .emitTopics(SHIPPED, "emit-it.nobody-made-me")
        .register("noop", String.class, (ctx, in) -> in);

    assertThatThrownBy(() -> builder.build().start())
        .hasMessageContaining("[emit-it.nobody-made-me]")
        .hasMessageContaining("never creates")
        .hasMessageNotContaining(SHIPPED + ",");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(topicExists("emit-it.nobody-made-me")).isFalse());
  }

  private static boolean topicExists(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      return admin.listTopics().names().get().contains(topic);
    }
  }

  private static ConsumerRecord<String, byte[]> byEmit(List<ConsumerRecord<String, byte[]>> records, String name) {
    return records.stream().filter(r -> name.equals(header(r, "stepstream.emit"))).findFirst().orElseThrow();
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
