package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.avro.AuditEventType;
import io.stepstream.fault.TopicDump.Isolation;
import io.stepstream.internal.codec.Envelopes;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RELIABILITY.md: kill inside the commit window (issue 9, item 1). With a 10 s commit interval (and
 * no early commits) the window between a run's dispatch and the commit of that dispatch is wide and
 * known: right after a probe run's result became visible, a transaction has just committed, so the
 * next 10 s are uncommitted. 20 runs execute all their steps (effects and step outcomes are out,
 * outside the transaction) and the engine is SIGKILLed before it commits. After the restart every run
 * must have exactly one committed result, consistent, and its applied outcomes must be ONE
 * execution's, whether the restart keeps the state dir (same transactional id: the open transaction
 * is aborted at once) or wipes it (state restored from the changelogs).
 */
@Timeout(240)
class CommitWindowCrashIT {
  private static final int RUNS = 20;
  private static final long COMMIT_MS = 10_000;

  @Test
  void aKillInsideTheCommitWindowLeavesEveryRunOneConsistentExecutionAfterARestartOnTheKeptStateDir() throws Exception {
    killInsideTheCommitWindowThenRestart("CommitWindowCrashIT-kept", false);
  }

  @Test
  void aKillInsideTheCommitWindowLeavesEveryRunOneConsistentExecutionAfterARestartOnAWipedStateDir() throws Exception {
    killInsideTheCommitWindowThenRestart("CommitWindowCrashIT-wiped", true);
  }

  private void killInsideTheCommitWindowThenRestart(String test, boolean wipe) throws Exception {
    var settings = FaultCluster.Settings.defaults().commitMs(COMMIT_MS).option("earlyCommitBelow=0");
    try (FaultCluster cluster = FaultCluster.start(test, settings)) {
      cluster.startInstances("e1");
      Set<String> runs = new TreeSet<>();

      // results wait for the commit interval: the probe's result shows the moment a commit happened
      cluster.client().start(ChaosWorkflow.CHAIN, "probe", "probe");
      runs.add("probe");
      assertThat(cluster.awaitResults(Set.of("probe"), Duration.ofSeconds(60))).as("the probe run never committed").isEmpty();
      cluster.note("a transaction just committed; the next commit is due in " + COMMIT_MS + " ms");

      IntStream.range(0, RUNS).mapToObj(i -> String.format("w-%02d", i)).forEach(id -> {
        cluster.client().startAsync(ChaosWorkflow.CHAIN, id, id);
        runs.add(id);
      });
      cluster.client().flush();
      Set<String> window = runs.stream().filter(r -> !r.equals("probe")).collect(Collectors.toCollection(TreeSet::new));
      long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
      while (!cluster.runsWithEffect("c").containsAll(window) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      cluster.note(cluster.runsWithEffect("c").size() - 1 + " of " + RUNS + " runs executed all three steps");
      cluster.kill("e1");

      // the precondition that makes this test mean something: nothing of the 20 runs was committed
      Set<String> committedStarts = TopicDump.read(cluster.bootstrap(), cluster.topics().events(), Isolation.READ_COMMITTED, Duration.ofSeconds(30))
          .stream().map(r -> Envelopes.auditEvent(r.value()))
          .filter(e -> e.getType() == AuditEventType.RUN_STARTED && window.contains(e.getRunId()))
          .map(e -> e.getRunId()).collect(Collectors.toSet());
      assertThat(committedStarts).as("the kill missed the commit window (machine too slow?): these runs were committed before it").isEmpty();
      assertThat(cluster.runsWithEffect("a")).as("the runs must have executed before the kill").containsAll(window);

      cluster.restart("e1", wipe);
      Checker.Report report = cluster.healAndCheck(runs, Duration.ofSeconds(90), false);

      assertThat(report.counts()).as(report.summary()).isEmpty();
    }
  }
}
