package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunStatus;
import io.stepstream.fault.Checker.Observations;
import io.stepstream.fault.Checker.Result;
import io.stepstream.fault.Checker.Type;
import io.stepstream.fault.ChaosWorkflow.Chain;
import io.stepstream.fault.EffectsLog.Effect;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fault suite's checker on synthetic histories: each anomaly it claims to find, it finds. */
@Timeout(10)
class CheckerTest {

  /** A synthetic history, built run by run. */
  private static final class History {
    final Set<String> requested = new HashSet<>();
    final List<Result> committed = new ArrayList<>();
    final List<Result> uncommitted = new ArrayList<>();
    final Set<String> started = new HashSet<>();
    final Map<String, Map<String, Long>> steps = new HashMap<>();
    final Map<String, Map<String, List<String>>> journal = new HashMap<>();
    final List<Effect> effects = new ArrayList<>();
    long offset;

    /** A run that went right: one execution with {@code a}, its journal, its effects, one committed result. */
    History ok(String runId, String a) {
      requested.add(runId);
      started.add(runId);
      execute(runId, a);
      journal(runId, a, ChaosWorkflow.b(a), ChaosWorkflow.c(ChaosWorkflow.b(a)));
      return result(runId, chain(a));
    }

    /** One execution's effects, all three steps. */
    History execute(String runId, String a) {
      effects.add(new Effect("e1", "a", runId + "/a", a, 0));
      effects.add(new Effect("e1", "b", runId + "/b", ChaosWorkflow.b(a), 0));
      effects.add(new Effect("e1", "c", runId + "/c", ChaosWorkflow.c(ChaosWorkflow.b(a)), 0));
      return this;
    }

    History journal(String runId, String a, String b, String c) {
      Map<String, List<String>> j = journal.computeIfAbsent(runId, k -> new TreeMap<>());
      j.computeIfAbsent("a", k -> new ArrayList<>()).add(a);
      j.computeIfAbsent("b", k -> new ArrayList<>()).add(b);
      j.computeIfAbsent("c", k -> new ArrayList<>()).add(c);
      steps.put(runId, new TreeMap<>(Map.of("a", 1L, "b", 1L, "c", 1L)));
      return this;
    }

    History result(String runId, Chain output) {
      Result r = new Result(runId, 0, offset++, RunStatus.COMPLETED, output);
      committed.add(r);
      uncommitted.add(r);
      return this;
    }

    History aborted(String runId, RunStatus status, Chain output) {
      uncommitted.add(new Result(runId, 0, offset++, status, output));
      return this;
    }

    Checker.Report check(boolean effectsOnce) {
      return Checker.check(
          new Observations(requested, committed, uncommitted, started, steps, journal, effects, Map.of(), Map.of(AuditEventType.RUN_RESUMED, 0L)),
          effectsOnce);
    }
  }

  private static Chain chain(String a) {
    return new Chain(a, ChaosWorkflow.b(a), ChaosWorkflow.c(ChaosWorkflow.b(a)));
  }

  @Test
  void aHistoryWhereEveryRunIsOneExecutionHasNoAnomalies() {
    History h = new History().ok("r1", "u1").ok("r2", "u2");
    h.execute("r2", "u2-again-but-lost"); // re-executed after a crash, same keys: allowed (at least once)

    var report = h.check(false);

    assertThat(report.counts()).as(report.summary()).isEmpty();
    assertThat(report.facts()).containsEntry("keysExecutedMoreThanOnce", 3L);
  }

  @Test
  void aRequestWithoutAnyTraceIsLostAndAStartedRunWithoutResultIsStuck() {
    History h = new History().ok("r1", "u1");
    h.requested.add("lost-1");
    h.requested.add("stuck-1");
    h.started.add("stuck-1");

    var report = h.check(false);

    assertThat(report.counts()).containsOnly(Map.entry(Type.LOST, 1L), Map.entry(Type.STUCK, 1L));
    assertThat(report.of(Type.LOST)).singleElement().extracting(Checker.Anomaly::runId).isEqualTo("lost-1");
  }

  @Test
  void twoCommittedResultsForOneRunAreADuplicate() {
    History h = new History().ok("r1", "u1").result("r1", chain("u1"));

    assertThat(h.check(false).counts()).containsOnly(Map.entry(Type.DUPLICATE, 1L));
  }

  @Test
  void aResultWhoseBWasComputedFromAnotherAIsInconsistent() {
    History h = new History();
    h.requested.add("r1");
    h.started.add("r1");
    h.execute("r1", "u1").execute("r1", "u2");
    h.journal("r1", "u1", ChaosWorkflow.b("u2"), ChaosWorkflow.c(ChaosWorkflow.b("u2")));
    h.result("r1", new Chain("u1", ChaosWorkflow.b("u2"), ChaosWorkflow.c(ChaosWorkflow.b("u2"))));

    var report = h.check(false);

    assertThat(report.counts()).containsOnly(Map.entry(Type.INCONSISTENT, 1L), Map.entry(Type.MIXED_JOURNAL, 1L));
    assertThat(report.of(Type.MIXED_JOURNAL)).singleElement().satisfies(a -> assertThat(a.detail()).contains("is not one execution's chain"));
  }

  @Test
  void aConsistentResultFromOneExecutionOverAJournalStitchedFromAnotherIsAMixedJournal() {
    // execution 1 published a=u1 before the crash; execution 2 (same fence) ran a=u2, b, c and completed
    History h = new History();
    h.requested.add("r1");
    h.started.add("r1");
    h.effects.add(new Effect("e1", "a", "r1/a", "u1", 0));
    h.execute("r1", "u2");
    h.journal("r1", "u1", ChaosWorkflow.b("u2"), ChaosWorkflow.c(ChaosWorkflow.b("u2")));
    h.result("r1", chain("u2"));

    var report = h.check(false);

    assertThat(report.counts()).containsOnly(Map.entry(Type.MIXED_JOURNAL, 1L));
    assertThat(report.of(Type.MIXED_JOURNAL)).singleElement().satisfies(a -> assertThat(a.detail())
        .contains("is not the committed journal").contains("is not one execution's chain"));
  }

  @Test
  void aJournalWithAHoleIsNotAPrefixOfAnyExecution() {
    // execution 1's a was dead-lettered (its run was not known yet), its b and c were applied
    History h = new History().ok("r1", "u1");
    h.journal.get("r1").remove("a");

    assertThat(h.check(false).of(Type.MIXED_JOURNAL)).singleElement().satisfies(a -> assertThat(a.detail())
        .contains("not a prefix").contains("is not the committed journal"));
  }

  @Test
  void aResultValueNoExecutionEverProducedIsAMixedJournal() {
    History h = new History();
    h.requested.add("r1");
    h.started.add("r1");
    h.result("r1", chain("phantom"));

    assertThat(h.check(false).of(Type.MIXED_JOURNAL)).singleElement().satisfies(a -> assertThat(a.detail())
        .contains("a=phantom was never produced").contains("b=b(phantom) was never produced").contains("c=c(b(phantom)) was never produced"));
  }

  @Test
  void aStepCommittedTwiceIsAMixedJournal() {
    History h = new History().ok("r1", "u1");
    h.steps.get("r1").put("b", 2L);

    assertThat(h.check(false).counts()).containsOnly(Map.entry(Type.MIXED_JOURNAL, 1L));
  }

  @Test
  void aFailedResultOfAWorkflowThatCannotFailIsReported() {
    History h = new History();
    h.requested.add("r1");
    h.started.add("r1");
    h.committed.add(new Result("r1", 0, 99, RunStatus.FAILED, null));

    assertThat(h.check(false).counts()).containsOnly(Map.entry(Type.NOT_COMPLETED, 1L));
  }

  @Test
  void anAbortedResultIsAnAbortedReadOnlyWhenTheCommittedTruthDisagreesInStatusOrIsMissing() {
    History h = new History().ok("r1", "u1").ok("r2", "u2");
    h.aborted("r1", RunStatus.COMPLETED, chain("other")); // other random value: allowed
    h.aborted("r2", RunStatus.FAILED, null);               // other status: anomaly
    h.requested.add("r3");
    h.started.add("r3");
    h.aborted("r3", RunStatus.COMPLETED, chain("u3"));      // never committed: anomaly

    var report = h.check(false);

    assertThat(report.of(Type.ABORTED_READ)).extracting(Checker.Anomaly::runId).containsExactlyInAnyOrder("r2", "r3");
    assertThat(report.facts()).containsEntry("abortedResults", 3L).containsEntry("abortedResultsWithOtherValues", 1L);
  }

  @Test
  void anEffectUnderAnotherKeyOrForAnUnknownRunHasTheWrongIdempotencyKey() {
    History h = new History().ok("r1", "u1");
    h.effects.add(new Effect("e2", "b", "r1/a", "x", 0));
    h.effects.add(new Effect("e2", "a", "nobody/a", "x", 0));

    assertThat(h.check(false).of(Type.WRONG_IDEMPOTENCY_KEY)).hasSize(2);
  }

  @Test
  void aRepeatedEffectIsAnAnomalyOnlyWhenEffectsMustRunOnce() {
    History h = new History().ok("r1", "u1");
    h.effects.add(new Effect("e1", "c", "r1/c", ChaosWorkflow.c(ChaosWorkflow.b("u1")), 0));

    assertThat(h.check(false).counts()).isEmpty();
    assertThat(h.check(true).counts()).containsOnly(Map.entry(Type.REPEATED_EFFECT, 1L));
  }
}
