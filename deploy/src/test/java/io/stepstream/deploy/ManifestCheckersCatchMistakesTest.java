package io.stepstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkers of {@link KubernetesManifestsTest} would be worthless if they let mistakes through:
 * each test here breaks one real manifest the way people do and shows the check that catches it.
 */
@Timeout(60)
class ManifestCheckersCatchMistakesTest {
  @TempDir Path tmp;

  private Path broken(String file, String from, String to) throws Exception {
    String text = Files.readString(KubernetesManifestsTest.DIR.resolve(file));
    assertThat(text).as("the edit applies to %s", file).contains(from);
    Path out = tmp.resolve(file);
    Files.writeString(out, text.replace(from, to));
    return out;
  }

  @Test
  void aMisspeltFieldOfAStatefulSetFailsTheLoad() throws Exception {
    Path f = broken("engine-statefulset.yaml", "terminationGracePeriodSeconds: 120", "terminationGracePeriod: 120");
    assertThatThrownBy(() -> Manifests.load(f)).hasMessageContaining("terminationGracePeriod").hasMessageContaining("unknown");
  }

  @Test
  void aFieldPutOneLevelTooDeepFailsTheLoad() throws Exception {
    Path f = broken("engine-statefulset.yaml", "          readinessProbe:\n", "          readinessProbe:\n            path: /health/ready\n");
    assertThatThrownBy(() -> Manifests.load(f)).hasMessageContaining("path");
  }

  @Test
  void aValueOfTheWrongTypeFailsTheLoad() throws Exception {
    Path f = broken("engine-statefulset.yaml", "replicas: 3", "replicas: three");
    assertThatThrownBy(() -> Manifests.load(f)).isInstanceOf(AssertionError.class).hasMessageContaining("replicas");
  }

  @Test
  void anUnknownKindIsRefused() throws Exception {
    Path f = broken("engine-pdb.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBugdet");
    assertThatThrownBy(() -> Manifests.load(f)).hasMessageContaining("no model");
  }

  @Test
  void aMisspeltStrimziFieldFailsTheLoad() throws Exception {
    Path f = broken("topics.yaml", "  partitions: 6\n  replicas: 3\n  config:\n    cleanup.policy: delete           # one record",
        "  partitions: 6\n  replica: 3\n  config:\n    cleanup.policy: delete           # one record");
    assertThatThrownBy(() -> Manifests.load(f)).hasMessageContaining("replica");
  }

  @Test
  void theV1beta2AclOperationFieldPassesStrimzisModelButNotTheV1Schema() throws Exception {
    Path f = broken("users.yaml", "name: stepstream.approval-requests\n          patternType: literal\n        operations: [Read]",
        "name: stepstream.approval-requests\n          patternType: literal\n        operation: Read");
    List<Manifests.Doc> docs = Manifests.load(f); // the 0.51 model still has `operation`
    CrdSchema v1 = CrdSchema.load("/schemas/strimzi-1.2.0/044-Crd-kafkauser.yaml", "v1");
    assertThat(docs.stream().flatMap(d -> v1.validate(d.tree()).stream()).toList())
        .anyMatch(e -> e.contains("operation: unknown field"))
        .anyMatch(e -> e.contains("missing required field operations"));
  }

  @Test
  void anAclOperationOutsideTheEnumAndTooFewPartitionsFailTheSchemas() throws Exception {
    CrdSchema user = CrdSchema.load("/schemas/strimzi-0.51.0/044-Crd-kafkauser.yaml", "v1");
    Path users = broken("users.yaml", "operations: [Create, Read, Write, DescribeConfigs]", "operations: [Create, Read, Writes, DescribeConfigs]");
    assertThat(Manifests.load(users).stream().flatMap(d -> user.validate(d.tree()).stream()).toList())
        .anyMatch(e -> e.contains("\"Writes\" is not one of"));
    CrdSchema topic = CrdSchema.load("/schemas/strimzi-0.51.0/043-Crd-kafkatopic.yaml", "v1");
    Path topics = broken("topics.yaml", "  topicName: stepstream.dlq\n  partitions: 6", "  topicName: stepstream.dlq\n  partitions: 0");
    assertThat(Manifests.load(topics).stream().flatMap(d -> topic.validate(d.tree()).stream()).toList())
        .anyMatch(e -> e.contains("below the minimum 1"));
  }

  @Test
  void aServiceMonitorTypoAndABadIntervalFailItsSchema() throws Exception {
    CrdSchema schema = CrdSchema.load("/schemas/prometheus-operator-v0.93.0/monitoring.coreos.com_servicemonitors.yaml", "v1");
    Path typo = broken("engine-servicemonitor.yaml", "      path: /metrics", "      metricsPath: /metrics");
    assertThat(schema.validate(Manifests.load(typo).get(0).tree())).anyMatch(e -> e.contains("metricsPath: unknown field"));
    Path interval = broken("engine-servicemonitor.yaml", "interval: 30s", "interval: 30");
    assertThat(schema.validate(Manifests.load(interval).get(0).tree())).anyMatch(e -> e.contains("interval"));
  }

  @Test
  void anOctalModeOrAYesReadDifferentlyByYaml11And12AreCaught() throws Exception {
    Path octal = broken("engine-statefulset.yaml", "defaultMode: 288", "defaultMode: 0440");
    assertThat(Yaml.documentsAsYaml12(octal)).isNotEqualTo(Yaml.documents(octal));
    Path yes = broken("engine-services.yaml", "stepstream.io/metrics: \"true\"", "stepstream.io/metrics: yes");
    assertThat(Yaml.documentsAsYaml12(yes)).isNotEqualTo(Yaml.documents(yes));
  }

  @Test
  void aMisspeltComposeKeyFailsTheComposeSpecificationSchema() throws Exception {
    String text = Files.readString(DockerfileAndComposeTest.COMPOSE).replace("start_period: 120s", "startPeriod: 120s");
    var schema = com.networknt.schema.SchemaRegistry.withDefaultDialect(com.networknt.schema.SpecificationVersion.DRAFT_7)
        .getSchema(com.networknt.schema.SchemaLocation.of("classpath:schemas/compose-spec/compose-spec.json"));
    assertThat(schema.validate(text, com.networknt.schema.InputFormat.YAML)).isNotEmpty();
  }
}
