package io.stepstream.internal.connect;

import io.stepstream.client.Topics;
import io.stepstream.internal.codec.registry.SchemaRegistryClient;
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

  // The schema registry, for records in the registry wire format: the names Confluent's serializers read (and
  // SchemaRegistryClient.fromProperties), so the engine's and the connector's registry settings look alike.
  public static final String REGISTRY_URL = "schema.registry.url";
  public static final String REGISTRY_BASIC_SOURCE = "basic.auth.credentials.source";
  public static final String REGISTRY_USER_INFO = "basic.auth.user.info";
  public static final String REGISTRY_LEGACY_USER_INFO = "schema.registry.basic.auth.user.info";
  public static final String REGISTRY_BEARER_SOURCE = "bearer.auth.credentials.source";
  public static final String REGISTRY_BEARER_TOKEN = "bearer.auth.token";
  public static final String REGISTRY_SSL = "schema.registry.ssl.";
  public static final String REGISTRY_TRUSTSTORE_LOCATION = REGISTRY_SSL + "truststore.location";
  public static final String REGISTRY_TRUSTSTORE_PASSWORD = REGISTRY_SSL + "truststore.password";
  public static final String REGISTRY_TRUSTSTORE_TYPE = REGISTRY_SSL + "truststore.type";
  public static final String REGISTRY_KEYSTORE_LOCATION = REGISTRY_SSL + "keystore.location";
  public static final String REGISTRY_KEYSTORE_PASSWORD = REGISTRY_SSL + "keystore.password";
  public static final String REGISTRY_KEYSTORE_TYPE = REGISTRY_SSL + "keystore.type";
  public static final String REGISTRY_KEY_PASSWORD = REGISTRY_SSL + "key.password";
  public static final String REGISTRY_ENDPOINT_IDENTIFICATION = REGISTRY_SSL + "endpoint.identification.algorithm";
  public static final String REGISTRY_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
  public static final String REGISTRY_READ_TIMEOUT_MS = "http.read.timeout.ms";

  /** Every registry key, as the registry client reads them. */
  public static final List<String> REGISTRY_KEYS = List.of(REGISTRY_URL, REGISTRY_BASIC_SOURCE, REGISTRY_USER_INFO,
      REGISTRY_LEGACY_USER_INFO, REGISTRY_BEARER_SOURCE, REGISTRY_BEARER_TOKEN, REGISTRY_TRUSTSTORE_LOCATION,
      REGISTRY_TRUSTSTORE_PASSWORD, REGISTRY_TRUSTSTORE_TYPE, REGISTRY_KEYSTORE_LOCATION, REGISTRY_KEYSTORE_PASSWORD,
      REGISTRY_KEYSTORE_TYPE, REGISTRY_KEY_PASSWORD, REGISTRY_ENDPOINT_IDENTIFICATION, REGISTRY_CONNECT_TIMEOUT_MS,
      REGISTRY_READ_TIMEOUT_MS);

  public static final String AVRO = "avro";
  public static final String JSON = "json";

  private static final String WEBHOOK = "Webhook";
  private static final String DECISIONS = "Decisions from the webhook's answers";
  private static final String REGISTRY = "Schema registry (engines writing the registry wire format)";

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
          "How decisions are written: avro (single-object encoding, as WorkflowClient writes them by default) or json"
              + " (the JSON decision form), whatever wire format the engine writes: the engine reads every format, so"
              + " decisions never need the schema registry.",
          DECISIONS, 3, ConfigDef.Width.SHORT, "Decisions format")
      // The registry: only needed to read records of an engine in the registry wire format (magic byte 0 and a
      // schema id); single-object and JSON records carry their schema themselves.
      .define(REGISTRY_URL, Type.STRING, null, Importance.MEDIUM,
          "The schema registry (Confluent's REST API) of an engine that writes the registry wire format: one URL or"
              + " several separated by commas (tried in turn). Needed only for such records: without it they go to the"
              + " errant record reporter with that reason. Records in single-object Avro or JSON need no registry."
              + " Read-only: the connector looks schema ids up and never registers a schema.",
          REGISTRY, 1, ConfigDef.Width.LONG, "Schema registry URL")
      .define(REGISTRY_BASIC_SOURCE, Type.STRING, null, Importance.LOW,
          "Where the registry's basic-auth credentials come from: USER_INFO (basic.auth.user.info), URL (user:password@"
              + " in schema.registry.url) or SASL_INHERIT (the user and password in stepstream.producer.sasl.jaas.config)."
              + " Unset: basic.auth.user.info when it is set.",
          REGISTRY, 2, ConfigDef.Width.SHORT, "Registry basic auth source")
      .define(REGISTRY_USER_INFO, Type.PASSWORD, null, Importance.LOW,
          "The registry's basic-auth credentials, user:password. Hidden in the worker's REST API and logs.",
          REGISTRY, 3, ConfigDef.Width.MEDIUM, "Registry user info")
      .define(REGISTRY_LEGACY_USER_INFO, Type.PASSWORD, null, Importance.LOW,
          "The older name of basic.auth.user.info, read when that is not set.",
          REGISTRY, 4, ConfigDef.Width.MEDIUM, "Registry user info (older name)")
      .define(REGISTRY_BEARER_SOURCE, Type.STRING, null, Importance.LOW,
          "STATIC_TOKEN to send bearer.auth.token to the registry (the only source supported); unset: the token is sent"
              + " when it is set. Basic auth and a bearer token cannot both be configured.",
          REGISTRY, 5, ConfigDef.Width.SHORT, "Registry bearer source")
      .define(REGISTRY_BEARER_TOKEN, Type.PASSWORD, null, Importance.LOW,
          "Sent to the registry as 'Authorization: Bearer <token>'. Hidden in the worker's REST API and logs.",
          REGISTRY, 6, ConfigDef.Width.MEDIUM, "Registry bearer token")
      .define(REGISTRY_TRUSTSTORE_LOCATION, Type.STRING, null, Importance.LOW,
          "A trust store (JKS or PKCS12) for an https registry whose certificate the JVM's default trust store does not"
              + " know. The file must exist on every worker that runs a task.",
          REGISTRY, 7, ConfigDef.Width.LONG, "Registry trust store")
      .define(REGISTRY_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW,
          "The trust store's password.", REGISTRY, 8, ConfigDef.Width.MEDIUM, "Registry trust store password")
      .define(REGISTRY_TRUSTSTORE_TYPE, Type.STRING, null, Importance.LOW,
          "The trust store's type, JKS (when unset) or PKCS12.", REGISTRY, 9, ConfigDef.Width.SHORT, "Registry trust store type")
      .define(REGISTRY_KEYSTORE_LOCATION, Type.STRING, null, Importance.LOW,
          "A key store (JKS or PKCS12) with the client certificate, for a registry that wants mutual TLS.",
          REGISTRY, 10, ConfigDef.Width.LONG, "Registry key store")
      .define(REGISTRY_KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW,
          "The key store's password.", REGISTRY, 11, ConfigDef.Width.MEDIUM, "Registry key store password")
      .define(REGISTRY_KEYSTORE_TYPE, Type.STRING, null, Importance.LOW,
          "The key store's type, JKS (when unset) or PKCS12.", REGISTRY, 12, ConfigDef.Width.SHORT, "Registry key store type")
      .define(REGISTRY_KEY_PASSWORD, Type.PASSWORD, null, Importance.LOW,
          "The password of the key in the key store, when it differs from the store's.",
          REGISTRY, 13, ConfigDef.Width.MEDIUM, "Registry key password")
      .define(REGISTRY_ENDPOINT_IDENTIFICATION, Type.STRING, null, Importance.LOW,
          "Accepted for Confluent compatibility; host names are always verified (an empty value, which turns that off"
              + " in Confluent's client, is refused).",
          REGISTRY, 14, ConfigDef.Width.SHORT, "Registry endpoint identification")
      .define(REGISTRY_CONNECT_TIMEOUT_MS, Type.INT, null, Importance.LOW,
          "How long to wait for a connection to the registry, in milliseconds (10000 when unset).",
          REGISTRY, 15, ConfigDef.Width.SHORT, "Registry connect timeout")
      .define(REGISTRY_READ_TIMEOUT_MS, Type.INT, null, Importance.LOW,
          "How long to wait for the registry's answer, in milliseconds (30000 when unset). A schema id is looked up"
              + " once per task; a registry that does not answer is retried like the webhook (webhook.retries).",
          REGISTRY, 16, ConfigDef.Width.SHORT, "Registry read timeout");

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
    String registry = config.registryProblem();
    if (registry != null) {
      problems.put(REGISTRY_URL, registry);
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

  /**
   * The settings of the registry client, by the names it reads: the registry keys that are set, and the decision
   * producer's {@code sasl.jaas.config} (for {@code basic.auth.credentials.source=SASL_INHERIT}). Passwords stay
   * {@link Password}s, which the registry client reads and never prints.
   */
  public Map<String, Object> registryProperties() {
    Map<String, Object> props = new HashMap<>();
    for (String key : REGISTRY_KEYS) {
      Object value = values().get(key);
      if (value != null) {
        props.put(key, value);
      }
    }
    Object jaas = originalsWithPrefix(PRODUCER_PREFIX).get("sasl.jaas.config");
    if (jaas != null) {
      props.put("sasl.jaas.config", jaas);
    }
    return props;
  }

  /** What is wrong with the registry settings (each message names its key), or null. */
  String registryProblem() {
    try {
      SchemaRegistryClient.fromProperties(registryProperties());
      return null;
    } catch (IllegalArgumentException e) {
      return "the schema registry settings do not work: " + e.getMessage();
    }
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
