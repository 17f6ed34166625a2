package io.stepstream.internal.orchestrator;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/** Reads Kafka Streams' own measure of how long a commit blocks a stream thread, for the {@link CommitPacer}. */
public final class CommitLatency {
  private CommitLatency() {}

  /** The mean of {@code commit-latency-avg} over the stream threads that have committed, in ms; NaN if none has. */
  public static double averageMs(KafkaStreams streams) {
    double sum = 0;
    int n = 0;
    for (var e : streams.metrics().entrySet()) {
      MetricName name = e.getKey();
      if ("commit-latency-avg".equals(name.name()) && "stream-thread-metrics".equals(name.group())) {
        Object v = ((Metric) e.getValue()).metricValue();
        if (v instanceof Double d && Double.isFinite(d) && d > 0) {
          sum += d;
          n++;
        }
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
