package io.stepstream.connect;

import io.stepstream.internal.connect.WebhookSinkConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * A sink connector that delivers the approval requests of running workflows (and optionally their results) to an
 * HTTP webhook, such as a Slack-style approval inbox, and writes the decisions the webhook answers with back to the
 * engine.
 *
 * <pre>
 * name=approval-inbox
 * connector.class=io.stepstream.connect.ApprovalWebhookSinkConnector
 * topics=stepstream.approval-requests
 * value.converter=org.apache.kafka.connect.converters.ByteArrayConverter
 * key.converter=org.apache.kafka.connect.storage.StringConverter
 * webhook.url=https://inbox.example.com/hooks/approvals
 * webhook.auth.bearer.token=${file:/etc/secrets/inbox.properties:token}
 * stepstream.bootstrap.servers=kafka-1:9092
 * errors.tolerance=all
 * errors.deadletterqueue.topic.name=stepstream.approval-webhook-dlq
 * errors.deadletterqueue.context.headers.enable=true
 * </pre>
 *
 * <p>Every record is POSTed as JSON with an {@code Idempotency-Key} header (run id and approval name), at least once:
 * a task's offsets are committed only after its records were delivered (and their decisions written), so a crash or
 * restart delivers again, with the same key. Failures that may pass (no answer, 408, 425, 429, 5xx) are retried with
 * exponential backoff; after the last retry, or at once for other statuses and undecodable records, the record goes
 * to the worker's errant record reporter (the dead-letter topic) with the reason, and the task goes on. Without
 * {@code errors.tolerance=all} and a dead-letter topic the task stops at such a record instead.
 *
 * <p>An answer {@code 200} with {@code {"decision":"APPROVE"|"REJECT","approver":..,"comment":..,"changes":{..}}} is
 * written to {@code <prefix>.approvals} with the request's token; the engine validates it like any decision. See
 * docs/connectors.md for every key and the body's fields.
 */
public final class ApprovalWebhookSinkConnector extends SinkConnector {
  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    new WebhookSinkConfig(props);
    Map<String, String> problems = WebhookSinkConfig.problems(props);
    if (!problems.isEmpty()) {
      throw new ConfigException("the approval webhook connector's configuration does not hold together: " + problems);
    }
    this.props = Map.copyOf(props);
  }

  /** Adds what single keys cannot say: the topics, and the decision producer's cluster. */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = super.validate(connectorConfigs);
    Map<String, String> problems = WebhookSinkConfig.problems(connectorConfigs);
    List<ConfigValue> values = new ArrayList<>(config.configValues());
    problems.forEach((key, message) -> values.stream().filter(v -> v.name().equals(key)).findFirst().ifPresentOrElse(
        v -> v.addErrorMessage(message),
        () -> {
          ConfigValue value = new ConfigValue(key);
          value.addErrorMessage(message);
          values.add(value);
        }));
    return new Config(values);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return ApprovalWebhookSinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> configs = new ArrayList<>();
    for (int i = 0; i < maxTasks; i++) {
      configs.add(props);
    }
    return configs;
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return WebhookSinkConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.of(ApprovalWebhookSinkConnector.class);
  }
}
