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
        "stepstream.topic.prefix", "decisions.enabled", "stepstream.bootstrap.servers", "decisions.format",
        "schema.registry.url", "basic.auth.credentials.source", "basic.auth.user.info", "schema.registry.basic.auth.user.info",
        "bearer.auth.credentials.source", "bearer.auth.token", "schema.registry.ssl.truststore.location",
        "schema.registry.ssl.truststore.password", "schema.registry.ssl.truststore.type", "schema.registry.ssl.keystore.location",
        "schema.registry.ssl.keystore.password", "schema.registry.ssl.keystore.type", "schema.registry.ssl.key.password",
        "schema.registry.ssl.endpoint.identification.algorithm", "http.connect.timeout.ms", "http.read.timeout.ms");
    assertThat(def.configKeys().values()).allSatisfy(key -> assertThat(key.documentation).as(key.name).hasSizeGreaterThan(20));
    assertThat(List.of("webhook.auth.bearer.token", "basic.auth.user.info", "schema.registry.basic.auth.user.info", "bearer.auth.token",
        "schema.registry.ssl.truststore.password", "schema.registry.ssl.keystore.password", "schema.registry.ssl.key.password"))
        .allSatisfy(secret -> assertThat(def.configKeys().get(secret).type).as(secret).isEqualTo(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD));
  }

  @Test
  void theRegistryIsOptionalAndItsSettingsAreCheckedByTheRegistryClient() {
    assertThat(errors(config("schema.registry.url", "http://registry:8081", "basic.auth.user.info", "connect:secret"))).isEmpty();
    assertThat(errors(config("schema.registry.url", "registry:8081")).get("schema.registry.url"))
        .singleElement().asString().contains("http:// or https://");
    assertThat(errors(config("schema.registry.url", "http://registry:8081", "basic.auth.user.info", "u:p", "bearer.auth.token", "t"))
        .get("schema.registry.url")).singleElement().asString().contains("remove one of them");
    assertThat(errors(config("schema.registry.url", "http://registry:8081", "basic.auth.credentials.source", "USER_INFO"))
        .get("schema.registry.url")).singleElement().asString().contains("basic.auth.user.info is not set");
    assertThat(errors(config("schema.registry.url", "https://registry:8081", "schema.registry.ssl.truststore.location", "/no/such/store.p12",
        "schema.registry.ssl.truststore.type", "PKCS12")).get("schema.registry.url")).singleElement().asString().contains("/no/such/store.p12");
    assertThat(errors(config("http.read.timeout.ms", "soon"))).containsKey("http.read.timeout.ms");
    assertThatThrownBy(() -> new ApprovalWebhookSinkConnector().start(config("schema.registry.url", "ftp://registry")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
  }

  @Test
  void theRegistryClientGetsTheConfluentNamesAndTheDecisionProducersJaasConfig() {
    var settings = new io.stepstream.internal.connect.WebhookSinkConfig(config("schema.registry.url", "http://registry:8081",
        "basic.auth.credentials.source", "SASL_INHERIT", "http.connect.timeout.ms", "500",
        "stepstream.producer.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"connect\" password=\"pw\";"))
        .registryProperties();

    assertThat(settings).containsEntry("schema.registry.url", "http://registry:8081").containsEntry("basic.auth.credentials.source", "SASL_INHERIT")
        .containsEntry("http.connect.timeout.ms", 500).containsKey("sasl.jaas.config").doesNotContainKey("bearer.auth.token");
    assertThat(io.stepstream.internal.codec.registry.SchemaRegistryClient.fromProperties(settings)).isPresent();
  }
}
