package io.stepstream.internal.engine;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stepstream.internal.executor.ExecutionPool;
import io.stepstream.internal.executor.KafkaOutcomePublisher;
import io.stepstream.internal.orchestrator.EngineMetrics;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one engine instance exports about itself, and nothing unless asked: its meters (to
 * the application's {@code MeterRegistry}, or to a Prometheus registry of its own when the HTTP
 * endpoint is on, else nowhere), the HTTP endpoint, the JMX bean. {@link #close()} takes all of it
 * back, so an application's registry and MBean server outlive the engine cleanly.
 */
public final class EngineTelemetry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EngineTelemetry.class);

  private final String applicationId;
  private final MeterRegistry registry;
  private final boolean ownRegistry;
  /** False when the meters go nowhere: then no binder (each runs a refresh thread) is started. */
  private final boolean exporting;
  private final EngineMetrics metrics;
  private final List<Meter> meters = new ArrayList<>();
  private final List<AutoCloseable> binders = new ArrayList<>();
  private volatile HttpEndpoint http;
  private ObjectName jmxName;

  /**
   * @param given the application's registry, or null
   * @param httpWanted whether the HTTP endpoint will be started (then, without {@code given}, a
   *     Prometheus registry of the engine's own backs /metrics)
   */
  public EngineTelemetry(String applicationId, MeterRegistry given, boolean httpWanted) {
    this.applicationId = applicationId;
    this.ownRegistry = given == null;
    this.exporting = given != null || httpWanted;
    this.registry = given != null ? given : httpWanted ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : new CompositeMeterRegistry();
    this.metrics = new EngineMetrics(registry, Tags.of("application_id", applicationId));
  }

  public EngineMetrics metrics() {
    return metrics;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Serves /health/live, /health/ready and /metrics from now on. */
  public void startHttp(String host, int port, Supplier<Health> live, Supplier<Health> ready) {
    http = HttpEndpoint.start(host, port, live, ready, prometheus() == null ? null : () -> prometheus().scrape());
    LOG.info("health and metrics at http://{}:{}/ (/health/live, /health/ready, /metrics)",
        http.address().getHostString(), http.address().getPort());
  }

  /** The HTTP endpoint, for features to mount their routes on; null when it is off. */
  public HttpEndpoint http() {
    return http;
  }

  /** The HTTP endpoint's bound address, or null when it is off. */
  public InetSocketAddress httpAddress() {
    HttpEndpoint endpoint = http;
    return endpoint == null ? null : endpoint.address();
  }

  /** Executor queue depth and active executions, as gauges. */
  public void bindPool(ExecutionPool pool) {
    if (!exporting) {
      return;
    }
    Tags tags = Tags.of("application_id", applicationId);
    meters.add(Gauge.builder("stepstream.executor.queued", pool, ExecutionPool::queued).tags(tags)
        .description("Executions waiting for an executor thread (the pool is too small for the load when this stays up)").register(registry));
    meters.add(Gauge.builder("stepstream.executor.active", pool, ExecutionPool::active).tags(tags)
        .description("Executions running workflow code now").register(registry));
  }

  /** Kafka Streams' metrics, its consumers', producers' and admin client's included. */
  public void bindStreams(KafkaStreams streams) {
    if (!exporting) {
      return;
    }
    KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams);
    binder.bindTo(registry);
    binders.add(binder);
  }

  /** The step-outcome producer's client metrics (client id {@code stepstream-outcomes}). */
  public void bindPublisher(KafkaOutcomePublisher publisher) {
    if (!exporting) {
      return;
    }
    var binder = publisher.clientMetrics(Tags.empty());
    binder.bindTo(registry);
    binders.add(binder);
  }

  /** Registers {@code io.stepstream:type=Engine,name=<applicationId>}; another engine with the same id in this JVM keeps its own. */
  public void registerJmx(EngineMXBean bean) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      ObjectName name = objectName(applicationId);
      server.registerMBean(new StandardMBean(bean, EngineMXBean.class, true), name);
      jmxName = name;
    } catch (javax.management.InstanceAlreadyExistsException e) {
      LOG.warn("JMX: an engine with application id {} is already registered in this JVM; this one is not", applicationId);
    } catch (JMException e) {
      LOG.warn("JMX: could not register the engine bean for {}: {}", applicationId, e.toString());
    }
  }

  /** {@code io.stepstream:type=Engine,name=<applicationId>}, the id quoted only if JMX needs it. */
  public static ObjectName objectName(String applicationId) throws javax.management.MalformedObjectNameException {
    boolean plain = applicationId.chars().noneMatch(c -> ",=:\"*?\\\n".indexOf(c) >= 0);
    return new ObjectName("io.stepstream:type=Engine,name=" + (plain ? applicationId : ObjectName.quote(applicationId)));
  }

  private PrometheusMeterRegistry prometheus() {
    if (registry instanceof PrometheusMeterRegistry p) {
      return p;
    }
    if (registry instanceof CompositeMeterRegistry composite) {
      for (MeterRegistry child : composite.getRegistries()) {
        if (child instanceof PrometheusMeterRegistry p) {
          return p;
        }
      }
    }
    return null;
  }

  @Override
  public void close() {
    HttpEndpoint endpoint = http;
    http = null;
    if (endpoint != null) {
      endpoint.close();
    }
    if (jmxName != null) {
      try {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(jmxName);
      } catch (JMException e) {
        LOG.debug("JMX: {} was already unregistered", jmxName);
      }
      jmxName = null;
    }
    for (AutoCloseable binder : binders) {
      try {
        binder.close();
      } catch (Exception e) {
        LOG.debug("closing a metrics binder: {}", e.toString());
      }
    }
    binders.clear();
    meters.forEach(registry::remove);
    meters.clear();
    metrics.unregister();
    if (ownRegistry) {
      registry.close();
    }
  }
}
