package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RELIABILITY.md invariant 2, issue 9 item 1 under load: two engines, 50 runs/s, one of them SIGKILLed
 * every 5-8 s and started again at once (a third of the time on a wiped state dir), so kills also land
 * while an instance restores or rebalances. A 1 s commit interval without early commits keeps many
 * dispatches uncommitted at any moment, the window in which a crash can mix two executions.
 */
@Timeout(360)
class RepeatedKillIT {
  private static final Duration LOAD = Duration.ofSeconds(45);

  @Test
  void twoEnginesKilledOneAtATimeUnderLoadLeaveEveryRunExactlyOneResultFromOneExecution() throws Exception {
    var settings = FaultCluster.Settings.defaults().commitMs(1000).option("earlyCommitBelow=0").option("stepDelayMs=20");
    try (FaultCluster cluster = FaultCluster.start("RepeatedKillIT", settings)) {
      cluster.startInstances("e1", "e2");
      LoadDriver load = cluster.startLoad("r", 50);
      long end = System.nanoTime() + LOAD.toNanos();
      int kills = 0;
      while (System.nanoTime() < end) {
        cluster.during(Duration.ofMillis(5000 + cluster.random().nextInt(3001)), "load");
        List<String> alive = List.of("e1", "e2").stream().filter(cluster::isAlive).toList();
        assertThat(alive).as("an engine exited by itself; see its log in " + cluster.dir()).isNotEmpty();
        String victim = alive.get(cluster.random().nextInt(alive.size()));
        cluster.kill(victim);
        kills++;
        cluster.relaunch(victim, cluster.random().nextInt(3) == 0);
      }
      Set<String> acked = load.stop();
      cluster.note(acked.size() + " requests acknowledged, " + kills + " kills");

      Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(120), false);

      assertThat(kills).isGreaterThanOrEqualTo(5);
      assertThat(report.counts()).as(report.summary()).isEmpty();
    }
  }
}
