package io.stepstream.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.loadtest.StartupMilestones.Milestone;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class StartupMilestonesTest {
  private static final long START = LocalDateTime.of(2026, 12, 2, 14, 1, 15, 918_000_000).toInstant(ZoneOffset.UTC).toEpochMilli();

  @Test
  void readsEachMilestoneFromTheEngineLogAsMillisecondsSinceProcessStart() {
    StartupMilestones m = new StartupMilestones(START, ZoneOffset.UTC);
    List.of(
        "BENCH_ENGINE_MAIN at=" + (START + 700),
        "14:01:18.686 [main] INFO Stepstream - records written by this engine may be at most 1015808 bytes",
        "14:01:19.713 [main] INFO KafkaStreams - stream-client [cs1-engine-a1] State transition from CREATED to REBALANCING",
        "14:01:22.607 [main] INFO KafkaStreams - stream-client [cs1-engine-a1] Started 1 stream threads",
        "14:01:23.045 [cs1-engine-a1-StreamThread-1] INFO ConsumerCoordinator - [Consumer clientId=x, groupId=cs1-engine] Successfully synced group in generation Generation{generationId=3}",
        "14:01:23.181 [kafka-producer-network-thread | stepstream-outcomes] INFO TransactionManager - [Producer clientId=stepstream-outcomes] ProducerId set to 2 with epoch 0",
        "14:01:23.253 [kafka-producer-network-thread | cs1-engine-a1-StreamThread-1-producer] INFO TransactionManager - [Producer clientId=cs1-engine-a1-StreamThread-1-producer, transactionalId=t] ProducerId set to 3 with epoch 5",
        "14:01:23.489 [cs1-engine-a1-StateUpdater-1] INFO DefaultStateUpdater - state-updater [x] Stateful active task 1_1 completed restoration",
        "14:01:26.900 [cs1-engine-a1-StateUpdater-1] INFO DefaultStateUpdater - state-updater [x] Stateful active task 0_3 completed restoration",
        "14:01:27.136 [cs1-engine-a1-StreamThread-1] INFO KafkaStreams - stream-client [cs1-engine-a1] State transition from REBALANCING to RUNNING",
        "14:01:40.000 [cs1-engine-a1-StateUpdater-1] INFO DefaultStateUpdater - state-updater [x] Stateful active task 0_1 completed restoration",
        "BENCH_ENGINE_READY bootstrap=127.0.0.1:1 topic-prefix=cs1 at=" + (START + 11_300)).forEach(m::accept);
    m.firstResultAt(START + 12_000);

    assertThat(m.sinceStart(Milestone.MAIN)).isEqualTo(700);
    assertThat(m.sinceStart(Milestone.TOPICS_CHECKED)).isEqualTo(2_768);
    assertThat(m.sinceStart(Milestone.STREAMS_STARTING)).isEqualTo(3_795);
    assertThat(m.sinceStart(Milestone.THREADS_STARTED)).isEqualTo(6_689);
    assertThat(m.sinceStart(Milestone.ASSIGNED)).isEqualTo(7_127);
    // the stream thread's producer, not the engine's own outcome producer
    assertThat(m.sinceStart(Milestone.PRODUCER_READY)).isEqualTo(7_335);
    // the last restoration before RUNNING (a later rebalance's restorations do not count)
    assertThat(m.sinceStart(Milestone.RESTORED)).isEqualTo(10_982);
    assertThat(m.sinceStart(Milestone.RUNNING)).isEqualTo(11_218);
    assertThat(m.sinceStart(Milestone.READY)).isEqualTo(11_300);
    assertThat(m.sinceStart(Milestone.FIRST_RESULT)).isEqualTo(12_000);
  }

  @Test
  void aMilestoneNotSeenIsMinusOneAndALineAfterMidnightIsOnTheNextDay() {
    long lateStart = LocalDateTime.of(2026, 12, 2, 23, 59, 59, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
    StartupMilestones m = new StartupMilestones(lateStart, ZoneOffset.UTC);
    m.accept("00:00:01.500 [main] INFO KafkaStreams - stream-client [a] State transition from CREATED to REBALANCING");

    assertThat(m.sinceStart(Milestone.STREAMS_STARTING)).isEqualTo(2_500);
    assertThat(m.sinceStart(Milestone.RUNNING)).isEqualTo(-1);
  }

  @Test
  void classCacheOptionsForTrainingAndUse() {
    ClassCache cds = ClassCache.of("cds", Path.of("/c/engine.jsa"));
    assertThat(cds.trainingOptions()).containsExactly("-XX:ArchiveClassesAtExit=/c/engine.jsa");
    assertThat(cds.useOptions()).contains("-XX:SharedArchiveFile=/c/engine.jsa");
    assertThat(cds.createCommand("java", "a.jar")).isEmpty();

    ClassCache aot = ClassCache.of("aot", Path.of("/c/engine.aot"));
    assertThat(aot.trainingOptions()).containsExactly("-XX:AOTMode=record", "-XX:AOTConfiguration=/c/engine.aotconf");
    assertThat(aot.createCommand("java", "a.jar"))
        .containsExactly("java", "-XX:AOTMode=create", "-XX:AOTConfiguration=/c/engine.aotconf", "-XX:AOTCache=/c/engine.aot", "-cp", "a.jar");
    assertThat(aot.useOptions()).containsExactly("-XX:AOTCache=/c/engine.aot");

    assertThat(ClassCache.of("none", Path.of("x")).enabled()).isFalse();
  }
}
