package io.stepstream.internal.orchestrator;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Kafka Streams' own measure of how long a commit blocks a stream thread ({@code commit-latency-avg},
 * mean over the threads), for the {@link CommitPacer}. Read every {@link #REFRESH_MS} ms by a daemon
 * thread of its own and handed over in a volatile: {@link KafkaStreams#metrics()} walks every metric
 * of every client and store (thousands), far too slow for the stream thread that the pacer runs on.
 */
public final class CommitLatency implements AutoCloseable {
  static final long REFRESH_MS = 500;

  private final ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "stepstream-commit-latency");
    t.setDaemon(true);
    return t;
  });
  private volatile double averageMs = Double.NaN;

  private CommitLatency() {}

  /** Starts reading {@code streams}' commit latency; {@link #close} stops it. */
  public static CommitLatency track(KafkaStreams streams) {
    CommitLatency latency = new CommitLatency();
    latency.reader.scheduleWithFixedDelay(() -> latency.averageMs = read(streams), REFRESH_MS, REFRESH_MS, TimeUnit.MILLISECONDS);
    return latency;
  }

  /** The latest reading in ms; NaN until a stream thread has committed. */
  public double averageMs() {
    return averageMs;
  }

  static double read(KafkaStreams streams) {
    double sum = 0;
    int n = 0;
    try {
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
    } catch (RuntimeException e) {
      return Double.NaN; // closing: the pacer falls back to its smallest gap
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  @Override
  public void close() {
    reader.shutdownNow();
  }
}
