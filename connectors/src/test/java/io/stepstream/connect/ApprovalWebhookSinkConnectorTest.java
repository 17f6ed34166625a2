package io.stepstream.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ApprovalWebhookSinkConnectorTest {
  static Map<String, String> config(String... extra) {
    Map<String, String> props = new HashMap<>(Map.of(
        "name", "inbox",
        "connector.class", ApprovalWebhookSinkConnector.class.getName(),
        "topics", "stepstream.approval-requests",
        "webhook.url", "https://inbox.example.com/hooks",
        "stepstream.bootstrap.servers", "kafka:9092"));
    for (int i = 0; i < extra.length; i += 2) {
      if (extra[i + 1] == null) {
        props.remove(extra[i]);
      } else {
        props.put(extra[i], extra[i + 1]);
      }
    }
    return props;
  }

  static Map<String, List<String>> errors(Map<String, String> props) {
    return new ApprovalWebhookSinkConnector().validate(props).configValues().stream()
        .filter(v -> !v.errorMessages().isEmpty())
        .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
  }

  @Test
  void aCompleteConfigurationHasNoErrorsAndEveryTaskGetsIt() {
    assertThat(errors(config())).isEmpty();
    ApprovalWebhookSinkConnector connector = new ApprovalWebhookSinkConnector();
    connector.start(config());

    assertThat(connector.taskConfigs(3)).hasSize(3).allSatisfy(c -> assertThat(c).containsEntry("webhook.url", "https://inbox.example.com/hooks"));
    assertThat(connector.taskClass()).isEqualTo(ApprovalWebhookSinkTask.class);
  }

  @Test
  void theTopicsMustBeTheEnginesApprovalRequestsAndResultsOnlyWithDeliverResults() {
    assertThat(errors(config("topics", "orders"))).containsKey("topics");
    assertThat(errors(config("topics", "stepstream.approval-requests,stepstream.results")).get("topics"))
        .singleElement().asString().contains("set deliver.results=true");
    assertThat(errors(config("deliver.results", "true")).get("topics"))
        .singleElement().asString().contains("stepstream.approval-requests,stepstream.results");
    assertThat(errors(config("deliver.results", "true", "topics", "stepstream.results, stepstream.approval-requests"))).isEmpty();
    assertThat(errors(config("stepstream.topic.prefix", "prod"))).containsKey("topics");
    assertThat(errors(config("topics", null, "topics.regex", "stepstream\\..*")).get("topics.regex"))
        .singleElement().asString().contains("topics=");
  }

  @Test
  void decisionsNeedTheEnginesClusterUnlessTurnedOff() {
    assertThat(errors(config("stepstream.bootstrap.servers", null)).get("stepstream.bootstrap.servers"))
        .singleElement().asString().contains("decisions.enabled=false");
    assertThat(errors(config("stepstream.bootstrap.servers", null, "decisions.enabled", "false"))).isEmpty();
    assertThatThrownBy(() -> new ApprovalWebhookSinkConnector().start(config("stepstream.bootstrap.servers", null)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("stepstream.bootstrap.servers");
  }

  @Test
  void theWebhookUrlMustBeHttpWithAHost() {
    assertThat(errors(config("webhook.url", null))).containsKey("webhook.url");
    assertThat(errors(config("webhook.url", "ftp://x/y"))).containsKey("webhook.url");
    assertThat(errors(config("webhook.url", "http:///nohost"))).containsKey("webhook.url");
    assertThat(errors(config("webhook.url", "http://127.0.0.1:8080/hook"))).isEmpty();
  }

  @Test
  void everyConfigKeyIsDocumentedAndTheTokenIsAPassword() {
    var def = new ApprovalWebhookSinkConnector().config();

    assertThat(def.configKeys()).containsOnlyKeys("webhook.url", "webhook.auth.bearer.token", "webhook.connect.timeout.ms",
        "webhook.request.timeout.ms", "webhook.retries", "webhook.retry.backoff.ms", "webhook.retry.backoff.max.ms", "deliver.results",
        "stepstream.topic.prefix", "decisions.enabled", "stepstream.bootstrap.servers", "decisions.format");
    assertThat(def.configKeys().values()).allSatisfy(key -> assertThat(key.documentation).as(key.name).hasSizeGreaterThan(30));
    assertThat(def.configKeys().get("webhook.auth.bearer.token").type).isEqualTo(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD);
  }
}
