package io.stepstream.loadtest;

import io.stepstream.engine.Stepstream;
import io.stepstream.client.WorkflowClient;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Diagnostics for "where does the time go": cumulative Kafka client and Kafka Streams counters of
 * the engine's stream threads, of its step-outcome producer and of the generator's client, read
 * before and after the measured phase. The public API does not expose these objects, so they are
 * reached reflectively (read-only, best effort: a renamed field just means fewer diagnostics).
 */
final class EngineProbe {
  /** Cumulative counters whose difference over the measured phase is reported. */
  private static final Set<String> STREAM_THREAD = Set.of(
      "commit-total", "poll-total", "process-total", "punctuate-total", "blocked-time-ns-total");
  private static final Set<String> PRODUCER = Set.of(
      "txn-commit-time-ns-total", "txn-send-offsets-time-ns-total", "txn-begin-time-ns-total", "flush-time-ns-total",
      "record-send-total", "record-retry-total", "record-error-total", "request-total");
  private static final Set<String> CONSUMER = Set.of("fetch-total", "records-consumed-total");

  private final KafkaStreams streams;
  private final Object outcomeProducer;
  private final Object pool;
  private final Object clientProducer;
  private final Object clientConsumer;

  private EngineProbe(KafkaStreams streams, Object outcomeProducer, Object pool, Object clientProducer, Object clientConsumer) {
    this.streams = streams;
    this.outcomeProducer = outcomeProducer;
    this.pool = pool;
    this.clientProducer = clientProducer;
    this.clientConsumer = clientConsumer;
  }

  static EngineProbe of(Stepstream engine, WorkflowClient client) {
    KafkaStreams streams = engine == null ? null : (KafkaStreams) field(engine, "streams");
    Object publisher = engine == null ? null : field(engine, "publisher");
    return new EngineProbe(streams, publisher == null ? null : field(publisher, "producer"),
        engine == null ? null : field(engine, "pool"), field(client, "producer"), field(field(client, "feed"), "consumer"));
  }

  /** Active tasks on this instance's stream threads right now (-1 if unknown). */
  int activeTasks() {
    if (streams == null) {
      return -1;
    }
    try {
      return streams.metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** Executions waiting for an executor thread right now (-1 if unknown). */
  int queuedExecutions() {
    Object v = call(pool, "queued");
    return v instanceof Integer i ? i : -1;
  }

  /** Cumulative counters, keyed {@code <component>.<metric>}. */
  Map<String, Double> snapshot() {
    Map<String, Double> m = new TreeMap<>();
    if (streams != null) {
      try {
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
          MetricName n = e.getKey();
          String clientId = n.tags().getOrDefault("client-id", "");
          String component = null;
          if ("stream-thread-metrics".equals(n.group()) && STREAM_THREAD.contains(n.name())) {
            component = "streamThreads";
          } else if ("producer-metrics".equals(n.group()) && PRODUCER.contains(n.name()) && clientId.contains("StreamThread")) {
            component = "streamsProducer";
          } else if ("consumer-fetch-manager-metrics".equals(n.group()) && CONSUMER.contains(n.name())
              && clientId.contains("StreamThread") && !clientId.contains("restore") && !n.tags().containsKey("topic")) {
            component = "streamsConsumer";
          }
          if (component != null) {
            m.merge(component + "." + n.name(), number(e.getValue().metricValue()), Double::sum);
          }
        }
      } catch (RuntimeException e) {
        // closed or changed: fewer diagnostics
      }
    }
    addClient(m, "outcomeProducer", outcomeProducer, "producer-metrics", PRODUCER);
    addClient(m, "clientProducer", clientProducer, "producer-metrics", PRODUCER);
    addClient(m, "clientResultsConsumer", clientConsumer, "consumer-fetch-manager-metrics", CONSUMER);
    return m;
  }

  /** Windowed averages (Kafka's default 2 x 30 s windows): meaningful right after a busy phase. */
  Map<String, Double> recentAverages() {
    Map<String, Double> m = new TreeMap<>();
    Set<String> names = Set.of("request-latency-avg", "request-latency-max", "record-queue-time-avg", "fetch-latency-avg",
        "commit-latency-avg", "commit-latency-max", "poll-latency-avg", "process-latency-avg", "records-per-request-avg");
    if (streams != null) {
      try {
        streams.metrics().forEach((n, v) -> {
          String clientId = n.tags().getOrDefault("client-id", "");
          if (names.contains(n.name()) && !clientId.contains("restore") && !clientId.contains("admin") && !n.tags().containsKey("topic")
              && (n.group().equals("stream-thread-metrics") || n.group().equals("producer-metrics") || n.group().equals("consumer-fetch-manager-metrics"))) {
            String c = n.group().startsWith("stream") ? "streamThreads" : n.group().startsWith("producer") ? "streamsProducer" : "streamsConsumer";
            m.put(c + "." + n.name(), round(number(v.metricValue())));
          }
        });
      } catch (RuntimeException e) {
        // closed
      }
    }
    for (var entry : Map.of("outcomeProducer", outcomeProducer == null ? new Object() : outcomeProducer,
        "clientResultsConsumer", clientConsumer == null ? new Object() : clientConsumer).entrySet()) {
      Map<MetricName, ? extends Metric> metrics = metricsOf(entry.getValue());
      if (metrics != null) {
        metrics.forEach((n, v) -> {
          if (names.contains(n.name()) && !n.tags().containsKey("topic") && !n.tags().containsKey("node-id")
              && (n.group().equals("producer-metrics") || n.group().equals("consumer-fetch-manager-metrics"))) {
            m.put(entry.getKey() + "." + n.name(), round(number(v.metricValue())));
          }
        });
      }
    }
    return m;
  }

  /** after - before, with time totals converted from ns to seconds. */
  static Map<String, Object> delta(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Object> d = new LinkedHashMap<>();
    for (var e : after.entrySet()) {
      double v = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
      if (e.getKey().endsWith("-ns-total")) {
        d.put(e.getKey().replace("-ns-total", "-s"), round(v / 1e9));
      } else {
        d.put(e.getKey(), round(v));
      }
    }
    return d;
  }

  private static void addClient(Map<String, Double> m, String component, Object client, String group, Set<String> names) {
    Map<MetricName, ? extends Metric> metrics = metricsOf(client);
    if (metrics == null) {
      return;
    }
    metrics.forEach((n, v) -> {
      if (group.equals(n.group()) && names.contains(n.name()) && !n.tags().containsKey("topic")) {
        m.merge(component + "." + n.name(), number(v.metricValue()), Double::sum);
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static Map<MetricName, ? extends Metric> metricsOf(Object client) {
    Object v = call(client, "metrics");
    return v instanceof Map<?, ?> map ? (Map<MetricName, ? extends Metric>) map : null;
  }

  private static double number(Object v) {
    return v instanceof Number n && !Double.isNaN(n.doubleValue()) && !Double.isInfinite(n.doubleValue()) ? n.doubleValue() : 0;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static Object field(Object target, String name) {
    if (target == null) {
      return null;
    }
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // try the superclass
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  private static Object call(Object target, String method) {
    if (target == null) {
      return null;
    }
    try {
      Method m = target.getClass().getMethod(method);
      m.setAccessible(true);
      return m.invoke(target);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
