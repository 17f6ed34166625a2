package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Parallel steps under SIGKILL: the chain of the fault suite with its steps as parallel branches
 * ({@link ChaosWorkflow#parallelChain}: a beside x, b beside y), two engines, one killed every 4-6 s
 * while branches run and their outcomes are checkpointed beside siblings still running. Every run
 * must end with exactly one result whose a, b, c come from one execution and match the journal,
 * with b and c derived from the a that execution saw (Checker).
 */
@Timeout(300)
class ParallelStepsKillIT {
  private static final Duration LOAD = Duration.ofSeconds(30);

  @Test
  void parallelBranchesKilledMidFlightLeaveEveryRunOneConsistentResult() throws Exception {
    var settings = FaultCluster.Settings.defaults().commitMs(1000).option("earlyCommitBelow=0").option("stepDelayMs=40").option("parallel=true");
    try (FaultCluster cluster = FaultCluster.start("ParallelStepsKillIT", settings)) {
      cluster.startInstances("e1", "e2");
      LoadDriver load = cluster.startLoad("p", 40);
      int kills = cluster.killOneAtATime(List.of("e1", "e2"), LOAD, 4000, 6000, false);
      Set<String> acked = load.stop();
      cluster.note(acked.size() + " requests acknowledged, " + kills + " kills");

      Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(120), false);

      assertThat(kills).isGreaterThanOrEqualTo(4);
      assertThat(acked).hasSizeGreaterThan(500);
      assertThat(report.counts()).as(report.summary()).isEmpty();
    }
  }
}
