package io.stepstream.loadtest;

import io.stepstream.client.Topics;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.codec.Envelopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Splits each measured run's end-to-end time into phases, from what the engine wrote: the request's
 * record timestamp, the RUN_STARTED and RUN_COMPLETED/FAILED audit events (the orchestrator's
 * wall clock when it handled the request and the completion), the completion outcome's record
 * timestamp (when the executor finished the last step) and the client's receive time.
 *
 * <p>Runs that waited for an approval also get the approval round trip split out: dispatched ->
 * APPROVAL_REQUESTED (the orchestrator journaled the wait and published the request) ->
 * APPROVAL_DECIDED (it applied a decision) -> the executor's completion. Executions that ended at
 * a durable wait (a WAITING completion) do not count as the last step.
 *
 * <p>Reads the engine's topics after the run (step-outcomes is internal: this is a diagnostic, it
 * decodes with the engine's own codec). Orchestrator times come from Kafka Streams' cached wall
 * clock, so they can be late by up to one processing loop; negative phases are clamped to 0.
 */
final class PhaseTrace {
  static final String[] PHASES = {"requestToDispatch", "dispatchToLastStepDone", "lastStepToCompletionApplied", "completionAppliedToClient"};
  /** Inside dispatchToLastStepDone, for runs that waited for an approval. */
  static final String[] APPROVAL_PHASES = {"dispatchToApprovalRequested", "approvalRequestedToDecided", "approvalDecidedToLastStepDone"};

  private PhaseTrace() {}

  /** Phase percentiles in ms for runs {@code <runTag>-<i>}; {@code clientDoneMs[i]} = client wall clock at result (0 = none). */
  static Map<String, Object> trace(String bootstrapServers, Map<String, ?> kafkaProperties, Topics topics, String runTag, long[] clientDoneMs) {
    int n = clientDoneMs.length;
    long[] requested = new long[n];
    long[] started = new long[n];
    long[] lastStep = new long[n];
    long[] applied = new long[n];
    long[] approvalRequested = new long[n];
    long[] approvalDecided = new long[n];
    String prefix = runTag + "-";
    Map<String, Object> c = new HashMap<>(kafkaProperties);
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    long t0 = System.nanoTime();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (String topic : List.of(topics.requests(), topics.stepOutcomes(), topics.events())) {
        for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          tps.add(new TopicPartition(topic, p.partition()));
        }
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (System.nanoTime() < deadline && tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          int i = index(r.key(), prefix, n);
          if (i < 0) {
            continue;
          }
          try {
            if (r.topic().equals(topics.requests())) {
              requested[i] = requested[i] == 0 ? r.timestamp() : Math.min(requested[i], r.timestamp());
            } else if (r.topic().equals(topics.stepOutcomes())) {
              StepOutcome o = Envelopes.outcome(r.value());
              if (o.getCompletion() != null && o.getCompletion().getStatus() != RunStatus.WAITING) {
                lastStep[i] = lastStep[i] == 0 ? r.timestamp() : Math.min(lastStep[i], r.timestamp());
              }
            } else {
              AuditEvent e = Envelopes.auditEvent(r.value());
              switch (e.getType().name()) {
                case "RUN_STARTED" -> started[i] = started[i] == 0 ? e.getTimestamp() : Math.min(started[i], e.getTimestamp());
                case "RUN_COMPLETED", "RUN_FAILED" -> applied[i] = applied[i] == 0 ? e.getTimestamp() : Math.min(applied[i], e.getTimestamp());
                case "APPROVAL_REQUESTED" -> approvalRequested[i] = first(approvalRequested[i], e.getTimestamp());
                case "APPROVAL_DECIDED" -> approvalDecided[i] = first(approvalDecided[i], e.getTimestamp());
                default -> { }
              }
            }
          } catch (RuntimeException ignored) {
            // a record this version cannot decode: leave the run untraced
          }
        }
      }
    }
    Histogram[] h = new Histogram[PHASES.length];
    for (int p = 0; p < h.length; p++) {
      h[p] = new Histogram(3_600_000L, 3);
    }
    Histogram[] a = new Histogram[APPROVAL_PHASES.length];
    for (int p = 0; p < a.length; p++) {
      a[p] = new Histogram(3_600_000L, 3);
    }
    int traced = 0;
    int approvalsTraced = 0;
    for (int i = 0; i < n; i++) {
      long[] times = {requested[i], started[i], lastStep[i], applied[i], clientDoneMs[i]};
      if (Arrays.stream(times).anyMatch(t -> t <= 0)) {
        continue;
      }
      traced++;
      for (int p = 0; p < PHASES.length; p++) {
        h[p].recordValue(clamp(times[p + 1] - times[p]));
      }
      if (approvalRequested[i] > 0 && approvalDecided[i] > 0) {
        approvalsTraced++;
        long[] wait = {started[i], approvalRequested[i], approvalDecided[i], lastStep[i]};
        for (int p = 0; p < APPROVAL_PHASES.length; p++) {
          a[p].recordValue(clamp(wait[p + 1] - wait[p]));
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runsTraced", traced);
    out.put("readS", LoadGenerator.round((System.nanoTime() - t0) / 1e9, 2));
    for (int p = 0; p < PHASES.length && traced > 0; p++) {
      out.put(PHASES[p], quantiles(h[p]));
    }
    if (approvalsTraced > 0) {
      out.put("approvalRunsTraced", approvalsTraced);
      for (int p = 0; p < APPROVAL_PHASES.length; p++) {
        out.put(APPROVAL_PHASES[p], quantiles(a[p]));
      }
    }
    return out;
  }

  private static long first(long current, long candidate) {
    return current == 0 ? candidate : Math.min(current, candidate);
  }

  private static long clamp(long ms) {
    return Math.max(0, Math.min(3_600_000L, ms));
  }

  private static Map<String, Object> quantiles(Histogram h) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("p50", h.getValueAtPercentile(50));
    q.put("p90", h.getValueAtPercentile(90));
    q.put("p99", h.getValueAtPercentile(99));
    q.put("max", h.getMaxValue());
    q.put("mean", LoadGenerator.round(h.getMean(), 1));
    return q;
  }

  private static int index(String key, String prefix, int n) {
    if (key == null || !key.startsWith(prefix) || key.length() == prefix.length() || !Character.isDigit(key.charAt(prefix.length()))) {
      return -1;
    }
    try {
      int i = Integer.parseInt(key.substring(prefix.length()));
      return i < n ? i : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
