package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.avro.RunStatus;
import io.stepstream.fault.TopicDump.Isolation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, capability 3: {@code ctx.emit} is exactly once across crashes. Two engines run {@link
 * ChaosWorkflow#EMITTING} under load (every step emits its freshly made, nondeterministic value; the
 * workflow emits one more record at the end) while one of them is SIGKILLed every 4-6 s and started
 * again at once (a third of the time on a wiped state dir). A 1 s commit interval without early
 * commits keeps many step outcomes applied but uncommitted when a kill lands: their records sit in
 * the aborted transaction, and the steps run again on the next owner with new values.
 *
 * <p>Afterwards, read_committed: every run has exactly one record per emit ({@code $emit:a:0},
 * {@code $emit:b:0}, {@code $emit:c:0}, {@code $emit:1}), and each record's value is the value of
 * the run's committed result (so no record of an execution whose step success was not committed
 * shows), and no other record is on the topic. The fault suite's {@link Checker} checks the runs
 * themselves (one result, one execution's journal).
 */
@Timeout(300)
class EmitCrashIT {
  private static final String TOPIC = "chaos-emit.user-topic";
  private static final Duration LOAD = Duration.ofSeconds(30);

  @Test
  void recordsEmittedFromStepsAppearExactlyOnceWithTheCommittedValuesAcrossRepeatedSigkills() throws Exception {
    var settings = FaultCluster.Settings.defaults().commitMs(1000).option("earlyCommitBelow=0").option("stepDelayMs=30")
        .option("emitTopic=" + TOPIC);
    try (FaultCluster cluster = FaultCluster.start("EmitCrashIT", settings)) {
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get(); // the user's topic: the engine never creates it
      }
      cluster.startInstances("e1", "e2");
      LoadDriver load = cluster.startLoad("r", 20, ChaosWorkflow.EMITTING);
      int kills = cluster.killOneAtATime(List.of("e1", "e2"), LOAD, 4000, 6000, true);
      Set<String> acked = load.stop();
      cluster.note(acked.size() + " requests acknowledged, " + kills + " kills");

      Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(120), false);
      assertThat(kills).isGreaterThanOrEqualTo(4);
      assertThat(report.counts()).as(report.summary()).isEmpty();
      assertThat((Long) report.facts().get("keysExecutedMoreThanOnce"))
          .as("the precondition that makes this test mean something: kills made steps run (and emit) again").isPositive();

      Map<String, ChaosWorkflow.Chain> completed = new TreeMap<>();
      for (var r : TopicDump.read(cluster.bootstrap(), cluster.topics().results(), Isolation.READ_COMMITTED, Duration.ofSeconds(60))) {
        var result = io.stepstream.internal.codec.Envelopes.result(r.value());
        if (result.getStatus() == RunStatus.COMPLETED) {
          completed.put(result.getRunId(), io.stepstream.internal.codec.PayloadCodec.decode(result.getOutput(), ChaosWorkflow.Chain.class));
        }
      }
      assertThat(completed.keySet()).as("every acknowledged run completed").containsAll(acked);

      List<ConsumerRecord<String, byte[]>> committed = TopicDump.read(cluster.bootstrap(), TOPIC, Isolation.READ_COMMITTED, Duration.ofSeconds(60));
      List<ConsumerRecord<String, byte[]>> all = TopicDump.read(cluster.bootstrap(), TOPIC, Isolation.READ_UNCOMMITTED, Duration.ofSeconds(60));
      cluster.note(committed.size() + " committed records on " + TOPIC + ", " + (all.size() - committed.size())
          + " more written in aborted transactions (invisible to read_committed)");

      List<String> problems = new ArrayList<>();
      Map<String, Map<String, Integer>> seen = new HashMap<>();
      for (ConsumerRecord<String, byte[]> r : committed) {
        String runId = header(r, "stepstream.run-id");
        String emit = header(r, "stepstream.emit");
        String value = new String(r.value(), StandardCharsets.UTF_8);
        ChaosWorkflow.Chain chain = completed.get(runId);
        if (chain == null || !runId.equals(r.key())) {
          problems.add("a record of run " + runId + " (key " + r.key() + ", " + emit + ") that has no completed result");
          continue;
        }
        String expected = expected(chain, emit);
        if (!value.equals(expected)) {
          problems.add(runId + " " + emit + ": '" + value + "' but the run's result says '" + expected + "'");
        }
        seen.computeIfAbsent(runId, k -> new TreeMap<>()).merge(emit, 1, Integer::sum);
      }
      Map<String, Integer> once = Map.of("$emit:a:0", 1, "$emit:b:0", 1, "$emit:c:0", 1, "$emit:1", 1);
      for (String runId : completed.keySet()) {
        Map<String, Integer> counts = seen.getOrDefault(runId, Map.of());
        if (!counts.equals(once)) {
          problems.add(runId + ": records per emit " + counts + ", expected each of " + once.keySet() + " once");
        }
      }
      cluster.note("emit check: " + (problems.isEmpty() ? "ok" : problems.size() + " problems, first " + problems.subList(0, Math.min(5, problems.size()))));
      assertThat(problems).isEmpty();
      assertThat(committed).hasSize(4 * completed.size());
    }
  }

  private static String expected(ChaosWorkflow.Chain chain, String emit) {
    return switch (emit == null ? "" : emit) {
      case "$emit:a:0" -> chain.a();
      case "$emit:b:0" -> chain.b();
      case "$emit:c:0" -> chain.c();
      case "$emit:1" -> "done " + chain.c();
      default -> "<no record named " + emit + " is expected>";
    };
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
