package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RELIABILITY.md invariant 5: scale 1 -> 3 -> 1 under load (two instances join, then leave cleanly),
 * then SIGKILL the last one and start it on a wiped state dir, so all state is restored from the
 * changelogs (restore time in the timeline). Every run finishes once, consistently; none is stuck.
 */
@Timeout(300)
class ScaleIT {

  @Test
  void scalingOneToThreeToOneAndRestoringFromAWipedStateDirLeavesNoRunStuckOrMixed() throws Exception {
    var settings = FaultCluster.Settings.defaults().option("stepDelayMs=20");
    try (FaultCluster cluster = FaultCluster.start("ScaleIT", settings)) {
      cluster.startInstances("e1");
      LoadDriver load = cluster.startLoad("s", 40);
      cluster.during(Duration.ofSeconds(8), "load on one engine");
      cluster.startInstances("e2", "e3");
      cluster.during(Duration.ofSeconds(8), "load on three engines");
      cluster.stop("e2");
      cluster.stop("e3");
      cluster.during(Duration.ofSeconds(6), "load on one engine again");
      cluster.kill("e1");
      Duration restore = cluster.restart("e1", true);
      cluster.during(Duration.ofSeconds(4), "load after the restore");
      Set<String> acked = load.stop();
      cluster.note(acked.size() + " requests acknowledged; restart with full restore took " + restore.toMillis() + " ms");

      Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(120), false);

      assertThat(report.counts()).as(report.summary()).isEmpty();
    }
  }
}
