package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.payloads.Chunks;
import io.stepstream.internal.payloads.KafkaPayloadStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 10 MB tool output end to end on a broker with Kafka's default size limits (1 MB records): stored
 * as chunks on {@code <prefix>.payloads}, used by the next step after a replay, returned as the
 * run's output and read back by the WorkflowClient byte for byte. Above the hard limit a step fails
 * at once, without retries, naming the step, the size and the limit.
 */
@Timeout(240)
class LargePayloadsIT {
  static final int TEN_MB = 10 * 1024 * 1024;
  static final long HARD_LIMIT = 12L * 1024 * 1024;

  /** What a step got back and made of the large value; the text is the whole value, returned as the output. */
  record Report(String text, String sha256, int length) {}

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream engine;
  /** Every value the "fetch" step generated, by SHA-256 (it may run more than once: at least once). */
  static final Map<String, String> generated = new ConcurrentHashMap<>();
  static final AtomicInteger hugeAttempts = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka")); // broker defaults: message.max.bytes ~1 MB
    engine = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix("big")
        .stateDir(dir.resolve("state"))
        .partitions(2)
        .approvalSecret("large-payloads-test-secret")
        .maxPayloadSize(HARD_LIMIT)
        .register("big-report", Integer.class, (ctx, bytes) -> {
          String fetched = ctx.step("fetch", String.class, s -> {
            String value = randomText(bytes); // nondeterministic: a replay must read it back, not regenerate it
            generated.put(sha256(value), value);
            return value;
          });
          ctx.sleep("pause", Duration.ofMillis(200)); // the next pass replays "fetch" from the journal (a reference)
          String digest = ctx.step("digest", String.class, s -> sha256(fetched));
          return new Report(fetched, digest, fetched.length());
        })
        .register("digest-of-input", String.class, (ctx, text) -> ctx.step("digest", String.class, s -> sha256(text)))
        .register("huge", Integer.class, (ctx, bytes) -> ctx.step("huge-tool", String.class, s -> {
          hugeAttempts.incrementAndGet();
          return "y".repeat(bytes);
        }).length())
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
  void aTenMegabyteStepResultIsUsedByTheNextStepAndReadBackByTheClientByteForByte() throws Exception {
    long started = System.nanoTime();
    RunResult result = engine.client().start("big-report", "ten-mb", TEN_MB).await(Duration.ofSeconds(180));
    long finished = System.nanoTime();

    assertThat(result.status()).as(result.toString().substring(0, Math.min(500, result.toString().length()))).isEqualTo(RunStatus.COMPLETED);
    Report report = result.output(Report.class);
    // numbers for the report, not assertions (2 shared cores): the run includes a 200 ms durable sleep
    System.out.printf("10 MB run: %d ms start to result; output read and decoded by the client in %d ms%n",
        (finished - started) / 1_000_000, (System.nanoTime() - finished) / 1_000_000);
    assertThat(report.length()).isEqualTo(TEN_MB);
    assertThat(report.text()).hasSize(TEN_MB);
    assertThat(sha256(report.text())).as("the next step saw exactly the value the output carries").isEqualTo(report.sha256());
    assertThat(generated).as("the value is one the step generated, byte for byte").containsKey(report.sha256());
    assertThat(report.text()).isEqualTo(generated.get(report.sha256()));

    // on the wire: the result carries a reference, the chunks fit the broker's default limit
    WorkflowResult raw = rawResult("big.results", "ten-mb");
    assertThat(raw.getOutput().getClaimCheck()).isNotNull();
    assertThat(raw.getOutput().getData().remaining()).isZero();
    assertThat(raw.getOutput().getClaimCheck().getSize()).isGreaterThan(TEN_MB);
    assertThat(raw.getOutput().getClaimCheck().getOffsets()).hasSizeGreaterThanOrEqualTo(20); // 512 KiB chunks
    // any Kafka client can read it: assign the partition, seek to the offsets, check the SHA-256
    try (KafkaPayloadStore reader = new KafkaPayloadStore(Map.of("bootstrap.servers", kafka.bootstrapServers()), "big.payloads",
        Chunks.DEFAULT_CHUNK_BYTES, Duration.ofSeconds(30))) {
      byte[] json = Chunks.join(raw.getOutput().getClaimCheck(), reader.read(raw.getOutput().getClaimCheck()));
      assertThat(new String(json, StandardCharsets.UTF_8)).contains(report.sha256());
    }
  }

  @Test
  void aLargeInputFromTheJavaClientTravelsAsAReferenceAndReachesTheWorkflowIntact() {
    String input = randomText(3 * 1024 * 1024);

    RunResult result = engine.client().start("digest-of-input", "three-mb-input", input).await(Duration.ofSeconds(120));

    assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(result.output(String.class)).isEqualTo(sha256(input));
  }

  @Test
  void aStepResultOverTheHardLimitFailsAtOnceWithoutRetriesNamingTheStepTheSizeAndTheLimit() {
    RunResult result = engine.client().start("huge", "thirteen-mb", 13 * 1024 * 1024).await(Duration.ofSeconds(120));

    assertThat(result.status()).isEqualTo(RunStatus.FAILED);
    assertThat(result.errorType()).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(result.failedStep()).contains("huge-tool");
    assertThat(result.errorMessage())
        .contains("step 'huge-tool' in run thirteen-mb")
        .contains((13 * 1024 * 1024 + 2) + " bytes") // the JSON string: the text and its quotes
        .contains("maxPayloadSize (" + HARD_LIMIT + " bytes)");
    assertThat(hugeAttempts).as("non-retryable: the default retry policy did not run it again").hasValue(1);
    System.out.println("PAYLOAD_TOO_LARGE: " + result.errorMessage()); // docs/large-payloads.md quotes it
  }

  @Test
  void anExpiredRunsChunksGetTombstonesInThePartitionTheirReferenceNames() throws Exception {
    try (Stepstream expiring = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix("exp")
        .stateDir(dir.resolve("state-exp"))
        .partitions(3)
        .approvalSecret("large-payloads-test-secret")
        .retention(Duration.ofSeconds(2))
        .register("big-output", Integer.class, (ctx, bytes) -> ctx.step("fetch", String.class, s -> randomText(bytes)))
        .build()
        .start()) {
      RunResult result = expiring.client().start("big-output", "expiring", 2 * 1024 * 1024).await(Duration.ofSeconds(120));
      assertThat(result.output(String.class)).hasSize(2 * 1024 * 1024);
      var ref = rawResult("exp.results", "expiring").getOutput().getClaimCheck();

      Map<Integer, Set<String>> tombstones = new java.util.HashMap<>();
      long deadline = System.currentTimeMillis() + 60_000;
      Set<String> expected = new java.util.HashSet<>();
      for (int i = 0; i < ref.getOffsets().size(); i++) {
        expected.add(Chunks.chunkKey(ref.getKey(), i));
      }
      while (!expected.equals(tombstones.getOrDefault(ref.getPartition(), Set.of())) && System.currentTimeMillis() < deadline) {
        Thread.sleep(500);
        tombstones = tombstonesOn("exp.payloads");
      }
      assertThat(tombstones.getOrDefault(ref.getPartition(), Set.of())).as("every chunk, in the reference's partition").isEqualTo(expected);
      assertThat(tombstones.keySet()).as("and nowhere else").containsExactly(ref.getPartition());
      try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
          Map.of(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "exp.payloads");
        var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(config.get("max.message.bytes").value()).as("the broker's default: nothing raised").isEqualTo("1048588");
      }
    }
  }

  static Map<Integer, Set<String>> tombstonesOn(String topic) {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    Map<Integer, Set<String>> found = new java.util.HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.currentTimeMillis() + 30_000;
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            found.computeIfAbsent(r.partition(), p -> new java.util.HashSet<>()).add(r.key());
          }
        }
      }
    }
    return found;
  }

  static WorkflowResult rawResult(String topic, String runId) {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (runId.equals(r.key())) {
            assertThat(r.value().length).as("the result record stays small").isLessThan(10_000);
            return Envelopes.result(r.value());
          }
        }
      }
    }
    throw new AssertionError("no result for " + runId + " on " + topic);
  }

  static String randomText(int length) {
    byte[] random = new byte[length];
    new SecureRandom().nextBytes(random);
    return Base64.getEncoder().encodeToString(random).substring(0, length);
  }

  static String sha256(String text) {
    return Chunks.sha256(text.getBytes(StandardCharsets.UTF_8));
  }

}
