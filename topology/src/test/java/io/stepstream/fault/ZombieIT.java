package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RELIABILITY.md invariant 3: a zombie. One of two engines is frozen with SIGSTOP for longer than its
 * 6 s session timeout (and its 5 s transaction timeout), so the other takes its partitions over and
 * resumes its runs; then it is thawed with SIGCONT and, not knowing it was replaced, goes on: its
 * executions finish their steps and publish outcomes, its stream thread tries to commit. It must be
 * fenced: nothing it does after the thaw may add a result or mix a run's journal. Steps take up to
 * 300 ms so many executions are mid-step when it freezes.
 */
@Timeout(300)
class ZombieIT {

  @Test
  void anEnginePausedPastItsSessionTimeoutIsFencedWhenItWakesUp() throws Exception {
    var settings = FaultCluster.Settings.defaults().commitMs(1000).option("earlyCommitBelow=0").option("stepDelayMs=300");
    try (FaultCluster cluster = FaultCluster.start("ZombieIT", settings)) {
      cluster.startInstances("e1", "e2");
      LoadDriver load = cluster.startLoad("z", 30);
      cluster.during(Duration.ofSeconds(8), "load on both engines");
      cluster.pause("e2");
      cluster.during(Duration.ofSeconds(10), "e2 frozen past its session timeout");
      cluster.resume("e2");
      long thawedAt = System.currentTimeMillis();
      cluster.during(Duration.ofSeconds(10), "load after the thaw");
      Set<String> acked = load.stop();
      boolean zombieSurvived = cluster.isAlive("e2");
      long zombieSteps = EffectsLog.readAll(cluster.workDir()).stream()
          .filter(e -> e.instance().equals("e2") && e.at() >= thawedAt && e.at() < thawedAt + 2000).count();
      cluster.note(acked.size() + " requests acknowledged; e2 executed " + zombieSteps + " steps in the 2 s after SIGCONT");

      Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(120), false);

      assertThat(zombieSurvived).as("the thawed engine should rejoin, not crash").isTrue();
      assertThat(report.counts()).as(report.summary()).isEmpty();
    }
  }
}
