package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Child runs under SIGKILL: the fault suite's chain with a child run between a and b ({@link
 * ChaosWorkflow#withChild}), two engines, one killed every 4-6 s while parents start children and
 * children's results travel back across partitions. Every parent must end with one consistent result
 * (its child saw the a of the execution that stands: else the parent fails and the check reports it),
 * and every child run must have exactly one committed result.
 */
@Timeout(300)
class ChildWorkflowsKillIT {
  private static final Duration LOAD = Duration.ofSeconds(30);

  @Test
  void parentsAndChildrenKilledMidHandoffLeaveEveryRunOneConsistentResult() throws Exception {
    var settings = FaultCluster.Settings.defaults().commitMs(1000).option("earlyCommitBelow=0").option("stepDelayMs=30").option("children=true");
    try (FaultCluster cluster = FaultCluster.start("ChildWorkflowsKillIT", settings)) {
      cluster.startInstances("e1", "e2");
      LoadDriver load = cluster.startLoad("p", 25);
      int kills = cluster.killOneAtATime(List.of("e1", "e2"), LOAD, 4000, 6000, false);
      Set<String> acked = load.stop();
      cluster.note(acked.size() + " requests acknowledged, " + kills + " kills");

      Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(150), false);

      assertThat(kills).isGreaterThanOrEqualTo(4);
      assertThat(acked).hasSizeGreaterThan(300);
      assertThat(report.counts()).as(report.summary()).isEmpty();
      assertThat((Long) report.facts().get("childRunsWithAResult")).as(report.summary()).isEqualTo((long) acked.size());
    }
  }
}
