package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RELIABILITY.md invariant 2, issue 9 item 1 under load: two engines, 50 runs/s; every 5-8 s a running
 * one is SIGKILLed and started again at once (a third of the time on a wiped state dir), so the next
 * kill may hit the other one while this one restores or the group rebalances. A 1 s commit interval
 * without early commits keeps many dispatches uncommitted at any moment: the window in which a crash
 * can mix two executions of a run.
 */
@Timeout(360)
class RepeatedKillIT {
  private static final Duration LOAD = Duration.ofSeconds(40);

  @Test
  void twoEnginesKilledOneAtATimeUnderLoadLeaveEveryRunExactlyOneResultFromOneExecution() throws Exception {
    var settings = FaultCluster.Settings.defaults().commitMs(1000).option("earlyCommitBelow=0").option("stepDelayMs=20");
    try (FaultCluster cluster = FaultCluster.start("RepeatedKillIT", settings)) {
      cluster.startInstances("e1", "e2");
      LoadDriver load = cluster.startLoad("r", 50);
      int kills = cluster.killOneAtATime(List.of("e1", "e2"), LOAD, 5000, 8000, true);
      Set<String> acked = load.stop();
      cluster.note(acked.size() + " requests acknowledged, " + kills + " kills");

      Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(120), false);

      assertThat(kills).isGreaterThanOrEqualTo(4);
      assertThat(report.counts()).as(report.summary()).isEmpty();
    }
  }
}
