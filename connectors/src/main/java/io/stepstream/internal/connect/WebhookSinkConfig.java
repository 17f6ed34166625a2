package io.stepstream.internal.connect;

import io.stepstream.client.Topics;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The configuration of the approval webhook sink connector: every key, with its documentation. */
public final class WebhookSinkConfig extends AbstractConfig {
  public static final String WEBHOOK_URL = "webhook.url";
  public static final String BEARER_TOKEN = "webhook.auth.bearer.token";
  public static final String CONNECT_TIMEOUT_MS = "webhook.connect.timeout.ms";
  public static final String REQUEST_TIMEOUT_MS = "webhook.request.timeout.ms";
  public static final String RETRIES = "webhook.retries";
  public static final String BACKOFF_MS = "webhook.retry.backoff.ms";
  public static final String BACKOFF_MAX_MS = "webhook.retry.backoff.max.ms";
  public static final String DELIVER_RESULTS = "deliver.results";
  public static final String DECISIONS_ENABLED = "decisions.enabled";
  public static final String DECISIONS_FORMAT = "decisions.format";
  public static final String TOPIC_PREFIX = "stepstream.topic.prefix";
  public static final String BOOTSTRAP_SERVERS = "stepstream.bootstrap.servers";
  public static final String PRODUCER_PREFIX = "stepstream.producer.";

  public static final String AVRO = "avro";
  public static final String JSON = "json";

  private static final String WEBHOOK = "Webhook";
  private static final String DECISIONS = "Decisions from the webhook's answers";

  public static final ConfigDef CONFIG_DEF = new ConfigDef()
      .define(WEBHOOK_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, WebhookSinkConfig::validUrl, Importance.HIGH,
          "The http(s) URL every approval request (and, with deliver.results, every result) is POSTed to as JSON.",
          WEBHOOK, 1, ConfigDef.Width.LONG, "Webhook URL")
      .define(BEARER_TOKEN, Type.PASSWORD, null, Importance.MEDIUM,
          "Sent as 'Authorization: Bearer <token>' with every POST, when set. Hidden in the worker's REST API and logs.",
          WEBHOOK, 2, ConfigDef.Width.MEDIUM, "Bearer token")
      .define(CONNECT_TIMEOUT_MS, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.LOW,
          "How long to wait for the TCP/TLS connection to the webhook, in milliseconds; a timeout is retried.",
          WEBHOOK, 3, ConfigDef.Width.SHORT, "Connect timeout")
      .define(REQUEST_TIMEOUT_MS, Type.INT, 30_000, ConfigDef.Range.atLeast(1), Importance.LOW,
          "How long to wait for the webhook's answer to one POST, in milliseconds; a timeout is retried.",
          WEBHOOK, 4, ConfigDef.Width.SHORT, "Request timeout")
      .define(RETRIES, Type.INT, 5, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
          "How many times a POST is tried again after a retryable failure (no answer, a timeout, HTTP 408, 425, 429 or"
              + " 5xx) before the record is given up: then it goes to the errant record reporter (the connector's"
              + " errors.deadletterqueue.topic.name with errors.tolerance=all), or, without one, the task stops.",
          WEBHOOK, 5, ConfigDef.Width.SHORT, "Retries")
      .define(BACKOFF_MS, Type.LONG, 1_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
          "The wait before the first retry, in milliseconds; it doubles with each retry up to webhook.retry.backoff.max.ms."
              + " The task keeps polling while it waits (its partitions paused), so it stays in its group.",
          WEBHOOK, 6, ConfigDef.Width.SHORT, "Retry backoff")
      .define(BACKOFF_MAX_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
          "The longest wait between two retries, in milliseconds.",
          WEBHOOK, 7, ConfigDef.Width.SHORT, "Maximum retry backoff")
      .define(DELIVER_RESULTS, Type.BOOLEAN, false, Importance.MEDIUM,
          "Also deliver the engine's results (list <prefix>.results in the connector's topics too). A result's answer"
              + " is never read as a decision.",
          WEBHOOK, 8, ConfigDef.Width.SHORT, "Deliver results")
      .define(TOPIC_PREFIX, Type.STRING, Topics.DEFAULT_PREFIX, new ConfigDef.NonEmptyString(), Importance.HIGH,
          "The engine's topic prefix. The connector's topics must be <prefix>.approval-requests (and <prefix>.results"
              + " with deliver.results=true); decisions are written to <prefix>.approvals.",
          WEBHOOK, 9, ConfigDef.Width.MEDIUM, "Stepstream topic prefix")
      .define(DECISIONS_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
          "Read the webhook's answer to an approval request as a decision: HTTP 200 with a JSON body"
              + " {\"decision\":\"APPROVE\"|\"REJECT\",\"approver\":..,\"comment\":..,\"reason\":..,\"changes\":{..},"
              + "\"approverGroups\":[..],\"identityToken\":..} is written to <prefix>.approvals with the request's token,"
              + " keyed by run id. Any other 2xx answer only acknowledges the delivery. Needs stepstream.bootstrap.servers.",
          DECISIONS, 1, ConfigDef.Width.SHORT, "Decisions enabled")
      .define(BOOTSTRAP_SERVERS, Type.STRING, null, Importance.HIGH,
          "The engine's Kafka cluster, for the producer that writes decisions (the connector cannot see the worker's own"
              + " settings). Further producer settings (security.protocol, sasl.jaas.config, ssl.*) go under"
              + " stepstream.producer.<setting>; it needs WRITE on <prefix>.approvals.",
          DECISIONS, 2, ConfigDef.Width.LONG, "Stepstream bootstrap servers")
      .define(DECISIONS_FORMAT, Type.STRING, AVRO, ConfigDef.ValidString.in(AVRO, JSON), Importance.LOW,
          "How decisions are written: avro (single-object encoding, as WorkflowClient writes them) or json (the JSON"
              + " decision form). The engine reads both.",
          DECISIONS, 3, ConfigDef.Width.SHORT, "Decisions format");

  public WebhookSinkConfig(Map<String, ?> props) {
    super(CONFIG_DEF, props);
  }

  /**
   * What is wrong with the configuration beyond single keys, as (key, message) pairs: the connector's topics and
   * the decision producer. {@code topics} and {@code topics.regex} are the worker's keys, read from the raw map.
   */
  public static Map<String, String> problems(Map<String, String> props) {
    Map<String, String> problems = new HashMap<>();
    WebhookSinkConfig config;
    try {
      config = new WebhookSinkConfig(props);
    } catch (ConfigException e) {
      return problems; // single keys are reported by the ConfigDef itself
    }
    if (config.decisionsEnabled() && config.getString(BOOTSTRAP_SERVERS) == null) {
      problems.put(BOOTSTRAP_SERVERS, "set " + BOOTSTRAP_SERVERS + " (the engine's cluster) so decisions from the webhook can be"
          + " written to " + config.topics().approvals() + ", or set " + DECISIONS_ENABLED + "=false");
    }
    String regex = props.get("topics.regex");
    if (regex != null && !regex.isBlank()) {
      problems.put("topics.regex", "list the topics with topics= instead: " + config.expectedTopics());
    }
    String listed = props.get("topics");
    if (listed != null && !listed.isBlank()) {
      List<String> topics = List.of(listed.trim().split("\\s*,\\s*"));
      List<String> wrong = new ArrayList<>();
      for (String topic : topics) {
        if (!config.expectedTopics().contains(topic)) {
          wrong.add(topic);
        }
      }
      if (!wrong.isEmpty() || !topics.containsAll(config.expectedTopics())) {
        problems.put("topics", "with " + TOPIC_PREFIX + "=" + config.topics().prefix() + " and " + DELIVER_RESULTS + "=" + config.deliverResults()
            + " the topics are " + String.join(",", config.expectedTopics()) + " (got " + listed + ")"
            + (wrong.contains(config.topics().results()) ? "; set " + DELIVER_RESULTS + "=true to deliver results" : ""));
      }
    }
    return problems;
  }

  public Topics topics() {
    return Topics.withPrefix(getString(TOPIC_PREFIX));
  }

  public List<String> expectedTopics() {
    return deliverResults() ? List.of(topics().approvalRequests(), topics().results()) : List.of(topics().approvalRequests());
  }

  public URI url() {
    return URI.create(getString(WEBHOOK_URL).trim());
  }

  public String bearerToken() {
    Password token = getPassword(BEARER_TOKEN);
    return token == null || token.value().isBlank() ? null : token.value();
  }

  public Duration connectTimeout() {
    return Duration.ofMillis(getInt(CONNECT_TIMEOUT_MS));
  }

  public Duration requestTimeout() {
    return Duration.ofMillis(getInt(REQUEST_TIMEOUT_MS));
  }

  public Backoff backoff() {
    return new Backoff(getInt(RETRIES), getLong(BACKOFF_MS), getLong(BACKOFF_MAX_MS));
  }

  public boolean deliverResults() {
    return getBoolean(DELIVER_RESULTS);
  }

  public boolean decisionsEnabled() {
    return getBoolean(DECISIONS_ENABLED);
  }

  public boolean decisionsAsJson() {
    return JSON.equals(getString(DECISIONS_FORMAT));
  }

  /** The decision producer's settings: idempotent, acks=all, then whatever stepstream.producer.* says. */
  public Map<String, Object> producerProperties(String clientId) {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, getString(BOOTSTRAP_SERVERS));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.putAll(originalsWithPrefix(PRODUCER_PREFIX));
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return props;
  }

  private static void validUrl(String name, Object value) {
    if (value == null) {
      return; // NO_DEFAULT_VALUE reports the missing key
    }
    String text = value.toString().trim();
    try {
      URI uri = URI.create(text);
      if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
        throw new ConfigException(name, value, "an http:// or https:// URL with a host");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, value, "not a URL: " + e.getMessage());
    }
  }
}
