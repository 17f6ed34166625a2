package io.stepstream.fault;

import io.stepstream.client.Topics;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.fault.ChaosWorkflow.Chain;
import io.stepstream.fault.EffectsLog.Effect;
import io.stepstream.fault.TopicDump.Isolation;
import io.stepstream.internal.codec.Envelopes;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Checks the invariants of the fault suite after a test healed, Jepsen style: it observes what the
 * engine committed and what the external system saw, and reports typed anomalies (never a bare count).
 *
 * <pre>{@code
 * Checker.Report report = Checker.check(Checker.observe(bootstrap, topics, "chaos-engine", workDir, acked), false);
 * assertThat(report.counts()).as(report.summary()).isEmpty();
 * }</pre>
 *
 * <p>What it reads: results read_committed and read_uncommitted, committed audit events, the
 * committed journal (the journal store's changelog: the applied step outcomes), dead letters, and
 * the {@link EffectsLog}s. The runs are {@link ChaosWorkflow}'s: {@code a} random, {@code b = b(a)},
 * {@code c = c(b)}, so a mixture of two executions shows in the values.
 *
 * <p>Anomalies (see {@link Type}): LOST, STUCK, DUPLICATE, NOT_COMPLETED, INCONSISTENT, MIXED_JOURNAL,
 * ABORTED_READ, WRONG_IDEMPOTENCY_KEY and, when every effect must have run once, REPEATED_EFFECT.
 */
public final class Checker {

  /** What can go wrong, one run at a time. */
  public enum Type {
    /** A request was acknowledged, but the engine never committed a start nor a result for it. */
    LOST,
    /** The run started (RUN_STARTED committed) but has no committed result after the heal. */
    STUCK,
    /** More than one committed result for one run. */
    DUPLICATE,
    /** A committed result that is not COMPLETED (these workflows cannot fail). */
    NOT_COMPLETED,
    /** A COMPLETED result whose b is not b(a) or whose c is not c(b). */
    INCONSISTENT,
    /**
     * The applied outcomes of a run are not one execution's: the committed journal's b is not b(a)
     * (or c not c(b)), a journal entry was committed twice, the result differs from the journal, or
     * the result holds a value no execution ever produced (effects log).
     */
    MIXED_JOURNAL,
    /**
     * A result that only read_uncommitted readers saw (an aborted transaction's) disagrees with the
     * committed truth in a way that matters: the run has no committed result, or another status. An
     * aborted result whose nondeterministic values differ is not counted: read_uncommitted readers are
     * promised nothing, and the side effect behind it carried the same idempotency key.
     */
    ABORTED_READ,
    /** A side effect ran under a key other than {@code <runId>/<step>}, or for a run nobody requested. */
    WRONG_IDEMPOTENCY_KEY,
    /** Only when effects must run exactly once (no crash in the test): an idempotency key executed twice. */
    REPEATED_EFFECT
  }

  public record Anomaly(Type type, String runId, String detail) {
    @Override
    public String toString() {
      return type + " " + runId + ": " + detail;
    }
  }

  /** One record of the results topic, decoded. {@code output} is null unless COMPLETED with a Chain. */
  public record Result(String runId, int partition, long offset, RunStatus status, Chain output) {}

  /** Everything the checker looks at, already decoded (synthetic in {@code CheckerTest}). */
  public record Observations(
      Set<String> requested,
      List<Result> committedResults,
      List<Result> uncommittedResults,
      Set<String> started,
      Map<String, Map<String, Long>> stepsCompleted,
      Map<String, Map<String, List<String>>> journal,
      List<Effect> effects,
      Map<String, Long> deadLetters,
      Map<AuditEventType, Long> fencingEvents) {}

  /** The verdict: anomalies plus facts worth printing (re-executions, dead letters, coverage). */
  public record Report(List<Anomaly> anomalies, Map<String, Object> facts) {
    /** Anomaly counts by type; empty when every invariant held. */
    public Map<Type, Long> counts() {
      Map<Type, Long> counts = new EnumMap<>(Type.class);
      anomalies.forEach(a -> counts.merge(a.type(), 1L, Long::sum));
      return counts;
    }

    public List<Anomaly> of(Type type) {
      return anomalies.stream().filter(a -> a.type() == type).collect(Collectors.toList());
    }

    /** Counts, facts, and up to 5 examples per anomaly type. */
    public String summary() {
      StringBuilder s = new StringBuilder("anomalies " + counts() + "; " + facts);
      for (Type type : Type.values()) {
        of(type).stream().limit(5).forEach(a -> s.append("\n  ").append(a));
      }
      return s.toString();
    }
  }

  /** Audit events that show the fence at work (counted as facts, not anomalies). */
  private static final Set<AuditEventType> FENCING =
      Set.of(AuditEventType.STALE_OUTCOME, AuditEventType.DUPLICATE_OUTCOME, AuditEventType.RUN_RESUMED, AuditEventType.DUPLICATE_REQUEST);

  private Checker() {}

  /** Reads what the engine committed and what the external system saw. */
  public static Observations observe(String bootstrap, Topics topics, String applicationId, Path workDir, Set<String> requested)
      throws IOException {
    Duration timeout = Duration.ofSeconds(60);
    List<Result> committed = results(TopicDump.read(bootstrap, topics.results(), Isolation.READ_COMMITTED, timeout));
    List<Result> uncommitted = results(TopicDump.read(bootstrap, topics.results(), Isolation.READ_UNCOMMITTED, timeout));
    Set<String> started = new HashSet<>();
    Map<String, Map<String, Long>> steps = new HashMap<>();
    Map<AuditEventType, Long> fencing = new EnumMap<>(AuditEventType.class);
    for (var r : TopicDump.read(bootstrap, topics.events(), Isolation.READ_COMMITTED, timeout)) {
      AuditEvent e = Envelopes.auditEvent(r.value());
      if (e.getType() == AuditEventType.RUN_STARTED) {
        started.add(e.getRunId());
      } else if (e.getType() == AuditEventType.STEP_COMPLETED) {
        steps.computeIfAbsent(e.getRunId(), k -> new TreeMap<>()).merge(e.getStep(), 1L, Long::sum);
      } else if (FENCING.contains(e.getType())) {
        fencing.merge(e.getType(), 1L, Long::sum);
      }
    }
    String changelog = applicationId + "-" + OrchestratorTopology.JOURNAL_STORE + "-changelog";
    Map<String, Map<String, List<String>>> journal = new HashMap<>();
    for (var r : TopicDump.read(bootstrap, changelog, Isolation.READ_COMMITTED, timeout)) {
      if (r.value() == null) {
        continue;
      }
      JournalEntry entry = Envelopes.journalEntry(r.value());
      if (entry.getSucceeded() && entry.getValue() != null && Set.of("a", "b", "c").contains(entry.getName())) {
        journal.computeIfAbsent(entry.getRunId(), k -> new TreeMap<>())
            .computeIfAbsent(entry.getName(), k -> new ArrayList<>())
            .add(PayloadCodec.decode(entry.getValue(), String.class));
      }
    }
    Map<String, Long> deadLetters = new TreeMap<>();
    for (var r : TopicDump.read(bootstrap, topics.deadLetters(), Isolation.READ_COMMITTED, timeout)) {
      Header type = r.headers().lastHeader("stepstream.error.type");
      deadLetters.merge(type == null ? "?" : new String(type.value(), StandardCharsets.UTF_8), 1L, Long::sum);
    }
    return new Observations(requested, committed, uncommitted, started, steps, journal, EffectsLog.readAll(workDir), deadLetters, fencing);
  }

  private static List<Result> results(List<ConsumerRecord<String, byte[]>> records) {
    List<Result> results = new ArrayList<>();
    for (var r : records) {
      WorkflowResult w = Envelopes.result(r.value());
      Chain output = null;
      if (w.getStatus() == RunStatus.COMPLETED && w.getOutput() != null) {
        output = PayloadCodec.decode(w.getOutput(), Chain.class);
      }
      results.add(new Result(w.getRunId(), r.partition(), r.offset(), w.getStatus(), output));
    }
    return results;
  }

  /**
   * Checks every invariant. {@code effectsOnce}: no instance died, so each idempotency key must have
   * executed exactly once (otherwise re-execution under the same key is allowed: at least once).
   */
  public static Report check(Observations o, boolean effectsOnce) {
    List<Anomaly> anomalies = new ArrayList<>();
    Map<String, List<Result>> committed = o.committedResults().stream().collect(Collectors.groupingBy(Result::runId));
    Map<String, Map<String, Set<String>>> produced = new HashMap<>();
    Map<String, Long> executionsPerKey = new HashMap<>();
    for (Effect e : o.effects()) {
      String suffix = "/" + e.step();
      String runId = e.key().endsWith(suffix) ? e.key().substring(0, e.key().length() - suffix.length()) : null;
      if (runId == null || !o.requested().contains(runId)) {
        anomalies.add(new Anomaly(Type.WRONG_IDEMPOTENCY_KEY, runId == null ? e.key() : runId,
            "step '" + e.step() + "' ran with key '" + e.key() + "' on " + e.instance() + "; expected <requested runId>/" + e.step()));
        continue;
      }
      produced.computeIfAbsent(runId, k -> new HashMap<>()).computeIfAbsent(e.step(), k -> new HashSet<>()).add(e.value());
      executionsPerKey.merge(e.key(), 1L, Long::sum);
    }
    if (effectsOnce) {
      executionsPerKey.forEach((key, n) -> {
        if (n > 1) {
          anomalies.add(new Anomaly(Type.REPEATED_EFFECT, key.substring(0, key.lastIndexOf('/')), "key " + key + " executed " + n + " times"));
        }
      });
    }

    for (String runId : new java.util.TreeSet<>(o.requested())) {
      List<Result> results = committed.getOrDefault(runId, List.of());
      if (results.isEmpty()) {
        anomalies.add(o.started().contains(runId)
            ? new Anomaly(Type.STUCK, runId, "started, no committed result; steps committed " + o.stepsCompleted().getOrDefault(runId, Map.of()))
            : new Anomaly(Type.LOST, runId, "acknowledged request, neither RUN_STARTED nor a result committed"));
      }
      if (results.size() > 1) {
        anomalies.add(new Anomaly(Type.DUPLICATE, runId, results.size() + " committed results: " + results));
      }
      // one MIXED_JOURNAL per run, with every reason: the count is the number of runs affected
      List<String> mixed = new ArrayList<>();
      for (Result r : results) {
        checkResult(r, produced.getOrDefault(runId, Map.of()), o.journal().get(runId), anomalies, mixed);
      }
      checkJournal(o.journal().get(runId), o.stepsCompleted().getOrDefault(runId, Map.of()), mixed);
      if (!mixed.isEmpty()) {
        anomalies.add(new Anomaly(Type.MIXED_JOURNAL, runId, String.join("; ", mixed)));
      }
    }

    // child runs (ids <parent>::<name>) were not requested by the load, but each must have one result too
    long childRuns = 0;
    for (var byRun : committed.entrySet()) {
      if (!o.requested().contains(byRun.getKey()) && byRun.getKey().contains("::")) {
        childRuns++;
        if (byRun.getValue().size() > 1) {
          anomalies.add(new Anomaly(Type.DUPLICATE, byRun.getKey(), byRun.getValue().size() + " committed results of a child run: " + byRun.getValue()));
        }
      }
    }

    Set<String> committedPositions = o.committedResults().stream().map(r -> r.partition() + "@" + r.offset()).collect(Collectors.toSet());
    long abortedResults = 0;
    long abortedWithOtherValues = 0;
    for (Result aborted : o.uncommittedResults()) {
      if (committedPositions.contains(aborted.partition() + "@" + aborted.offset())) {
        continue;
      }
      abortedResults++;
      List<Result> truth = committed.getOrDefault(aborted.runId(), List.of());
      if (truth.isEmpty()) {
        anomalies.add(new Anomaly(Type.ABORTED_READ, aborted.runId(), "an aborted " + aborted.status() + " result, and no committed result"));
      } else if (truth.stream().noneMatch(t -> t.status() == aborted.status())) {
        anomalies.add(new Anomaly(Type.ABORTED_READ, aborted.runId(), "aborted result " + aborted.status() + ", committed " + truth.get(0).status()));
      } else if (truth.stream().noneMatch(t -> Objects.equals(t.output(), aborted.output()))) {
        abortedWithOtherValues++;
      }
    }

    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("requested", o.requested().size());
    facts.put("committedResults", o.committedResults().size());
    facts.put("abortedResults", abortedResults);
    facts.put("abortedResultsWithOtherValues", abortedWithOtherValues);
    facts.put("journalsChecked", o.journal().keySet().stream().filter(o.requested()::contains).count());
    facts.put("childRunsWithAResult", childRuns);
    facts.put("effects", o.effects().size());
    facts.put("keysExecutedMoreThanOnce", executionsPerKey.values().stream().filter(n -> n > 1).count());
    facts.put("deadLetters", o.deadLetters());
    facts.put("events", o.fencingEvents());
    return new Report(List.copyOf(anomalies), facts);
  }

  private static void checkResult(
      Result r, Map<String, Set<String>> produced, Map<String, List<String>> journal, List<Anomaly> anomalies, List<String> mixed) {
    if (r.status() != RunStatus.COMPLETED || r.output() == null) {
      anomalies.add(new Anomaly(Type.NOT_COMPLETED, r.runId(), "committed result " + r.status()));
      return;
    }
    Chain out = r.output();
    if (!ChaosWorkflow.b(out.a()).equals(out.b()) || !ChaosWorkflow.c(out.b()).equals(out.c())) {
      anomalies.add(new Anomaly(Type.INCONSISTENT, r.runId(), "result " + out));
    }
    for (var step : new TreeMap<>(Map.of("a", out.a(), "b", out.b(), "c", out.c())).entrySet()) {
      if (!produced.getOrDefault(step.getKey(), Set.of()).contains(step.getValue())) {
        mixed.add("the result's " + step.getKey() + "=" + step.getValue() + " was never produced by an execution (produced: "
            + produced.get(step.getKey()) + ")");
      }
    }
    if (journal != null) {
      Chain recorded = new Chain(first(journal, "a"), first(journal, "b"), first(journal, "c"));
      if (!recorded.equals(out)) {
        mixed.add("result " + out + " is not the committed journal " + recorded);
      }
    }
  }

  private static void checkJournal(Map<String, List<String>> journal, Map<String, Long> stepsCompleted, List<String> mixed) {
    stepsCompleted.forEach((step, n) -> {
      if (n > 1) {
        mixed.add("step " + step + " committed " + n + " times (STEP_COMPLETED)");
      }
    });
    if (journal == null) {
      return;
    }
    journal.forEach((step, values) -> {
      if (new HashSet<>(values).size() > 1) {
        mixed.add("journal entry " + step + " committed with different values " + values);
      }
    });
    String a = first(journal, "a");
    String b = first(journal, "b");
    String c = first(journal, "c");
    if ((b != null && a == null) || (c != null && b == null)) {
      mixed.add("the committed journal is not a prefix of an execution: a=" + a + " b=" + b + " c=" + c);
    } else if ((b != null && !ChaosWorkflow.b(a).equals(b)) || (c != null && !ChaosWorkflow.c(b).equals(c))) {
      mixed.add("committed journal a=" + a + " b=" + b + " c=" + c + " is not one execution's chain");
    }
  }

  private static String first(Map<String, List<String>> journal, String step) {
    List<String> values = journal.get(step);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
