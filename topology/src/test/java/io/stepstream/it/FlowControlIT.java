package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RunResult;
import io.stepstream.RunStatus;
import io.stepstream.StepOptions;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.Limiter;
import io.stepstream.engine.Stepstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow control on a real broker with two engine instances of one application (ADR 0019): the
 * limiter's state is in Kafka, so the concurrency limit holds across both instances, and every run
 * completes. Step bodies of both instances count themselves in one shared counter.
 */
@Timeout(180)
class FlowControlIT {
  static final int LIMIT = 3;
  static final AtomicInteger running = new AtomicInteger();
  static final AtomicInteger mostRunning = new AtomicInteger();
  static final Set<String> ranOn = ConcurrentHashMap.newKeySet();

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream first;
  static Stepstream second;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    first = engine("first");
    second = engine("second");
  }

  private static Stepstream engine(String name) {
    return Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix("flow-it")
        .stateDir(dir.resolve("state-" + name))
        .partitions(4)
        .approvalSecret("integration-test-secret")
        .limiter(Limiter.named("model").maxConcurrent(LIMIT))
        .register("call", String.class, (ctx, in) ->
            ctx.step("call-model", String.class, StepOptions.defaults().withLimiter("model"), s -> {
              int now = running.incrementAndGet();
              mostRunning.accumulateAndGet(now, Math::max);
              ranOn.add(name);
              try {
                Thread.sleep(150);
              } finally {
                running.decrementAndGet();
              }
              return in + " on " + name;
            }))
        .build()
        .start();
  }

  @AfterAll
  static void stop() {
    for (Stepstream engine : new Stepstream[] {second, first}) {
      if (engine != null) {
        engine.close();
      }
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void theConcurrencyLimitHoldsAcrossTwoInstancesAndEveryRunCompletes() throws Exception {
    List<io.stepstream.client.RunHandle> handles = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      handles.add(first.client().start("call", "run-" + i, "q" + i));
    }
    for (var handle : handles) {
      RunResult result = handle.await(Duration.ofSeconds(120));
      assertThat(result.status()).as(result.toString()).isEqualTo(RunStatus.COMPLETED);
    }
    assertThat(mostRunning.get()).as("most step bodies running at once, over both instances").isBetween(2, LIMIT);
    assertThat(ranOn).as("both instances ran steps").containsExactlyInAnyOrder("first", "second");
  }
}
