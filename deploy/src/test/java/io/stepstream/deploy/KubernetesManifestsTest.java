package io.stepstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.stepstream.client.Topics;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.KafkaUserScramSha512ClientAuthentication;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleClusterResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTransactionalIdResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleType;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes, loaded with real model libraries (fabric8's Kubernetes model, Strimzi's API
 * model) with nothing left unknown, the Strimzi and Prometheus Operator resources also checked against
 * their CRD schemas, and then the facts that make the pieces fit: the engine command's contract, the
 * files it names and where they come from, the topics and the ACLs each role needs.
 */
@Timeout(60)
class KubernetesManifestsTest {
  static final Path DIR = Path.of("kubernetes");
  static final Path DOCKERFILE = Path.of("docker", "Dockerfile");

  static Manifests manifests;
  static Engine engine;
  static Topics topics;
  static String applicationId;

  @BeforeAll
  static void load() {
    manifests = Manifests.loadFolder(DIR);
    engine = new Engine(manifests.one(StatefulSet.class, "stepstream-engine"));
    topics = Topics.withPrefix(engine.flag("--topic-prefix"));
    applicationId = engine.flag("--application-id");
  }

  // ---------------------------------------------------------------- loading

  @Test
  void everyManifestLoadsIntoItsModelWithNoUnknownField() {
    // load() already failed on any unknown kind or field; this states what was loaded.
    Map<String, Long> kinds = manifests.docs().stream().collect(Collectors.groupingBy(Manifests.Doc::kind, TreeMap::new, Collectors.counting()));
    assertThat(kinds).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "ConfigMap", 1L, "KafkaTopic", (long) topics.all().size() + 1 /* payloads */, "KafkaUser", 3L, "PodDisruptionBudget", 1L, "Service", 2L, "ServiceMonitor", 1L,
        "StatefulSet", 1L)));
    Set<String> names = new HashSet<>();
    for (Manifests.Doc d : manifests.docs()) {
      assertThat(names.add(d.kind() + "/" + d.name())).as("duplicate %s", d.where()).isTrue();
      assertThat(d.tree().path("metadata").has("namespace")).as("%s: the namespace comes from kustomization.yaml", d.where()).isFalse();
    }
  }

  @Test
  void everyFileMeansTheSameToYaml11AndYaml12Parsers() throws Exception {
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        assertThat(Yaml.documentsAsYaml12(f))
            .as("%s reads differently in YAML 1.1 (kubectl) and 1.2 (quote yes/no/on/off, write octal modes in decimal)", f)
            .isEqualTo(Yaml.documents(f));
      }
    }
  }

  @Test
  void strimziResourcesMatchTheV1CrdSchemasOfStrimzi051And12() {
    Set<String> cel = new TreeSet<>();
    for (String strimzi : List.of("strimzi-0.51.0", "strimzi-1.2.0")) {
      CrdSchema topicSchema = CrdSchema.load("/schemas/" + strimzi + "/043-Crd-kafkatopic.yaml", "v1");
      CrdSchema userSchema = CrdSchema.load("/schemas/" + strimzi + "/044-Crd-kafkauser.yaml", "v1");
      for (Manifests.Doc d : manifests.ofKind("KafkaTopic")) {
        assertThat(topicSchema.validate(d.tree())).as("%s against %s %s", d.where(), strimzi, topicSchema.describe()).isEmpty();
      }
      for (Manifests.Doc d : manifests.ofKind("KafkaUser")) {
        assertThat(userSchema.validate(d.tree())).as("%s against %s %s", d.where(), strimzi, userSchema.describe()).isEmpty();
      }
      cel.addAll(topicSchema.celRules());
      userSchema.celRules().forEach(r -> cel.add(strimzi + " KafkaUser " + r));
    }
    // Say what was not evaluated; all of them concern tls users (validityDays/renewalDays).
    System.out.println("CEL rules not evaluated: " + cel);
    assertThat(cel).allMatch(r -> r.contains("validityDays") || r.contains("renewalDays") || r.contains("'tls'"));
  }

  @Test
  void serviceMonitorMatchesThePrometheusOperatorCrdSchema() {
    CrdSchema schema = CrdSchema.load("/schemas/prometheus-operator-v0.93.0/monitoring.coreos.com_servicemonitors.yaml", "v1");
    for (Manifests.Doc d : manifests.ofKind("ServiceMonitor")) {
      assertThat(schema.validate(d.tree())).as("%s against %s", d.where(), schema.describe()).isEmpty();
      assertThat(schema.celRules()).as("CEL rules met (not evaluated)").isEmpty();
    }
  }

  @Test
  void kustomizationListsEveryManifestAndNamesEveryImage() throws Exception {
    Kustomization k = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .treeToValue(Yaml.single(DIR.resolve("kustomization.yaml")), Kustomization.class);
    assertThat(k.apiVersion()).isEqualTo("kustomize.config.k8s.io/v1beta1");
    assertThat(k.kind()).isEqualTo("Kustomization");
    assertThat(k.namespace()).isNotBlank();
    try (Stream<Path> files = Files.list(DIR)) {
      Set<String> yaml = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
          .collect(Collectors.toSet());
      assertThat(k.resources()).as("kustomization resources = the manifest files").containsExactlyInAnyOrderElementsOf(yaml);
    }
    Set<String> imageNames = k.images().stream().map(Kustomization.Image::name).collect(Collectors.toSet());
    for (Container c : allContainers()) {
      assertThat(imageNames).as("image of container %s is set in kustomization.yaml", c.getName()).contains(c.getImage().split(":")[0]);
    }
    for (Kustomization.Image i : k.images()) {
      assertThat(allContainers().stream().map(c -> c.getImage().split(":")[0])).as("image %s is used", i.name()).contains(i.name());
    }
  }

  /** The fields of kustomization.yaml used here; any other field fails the read. */
  record Kustomization(String apiVersion, String kind, String namespace, List<String> resources, List<Image> images) {
    record Image(String name, String newName, String newTag) {}
  }

  // ---------------------------------------------------------------- topics

  @Test
  void everyTopicOfThePrefixExistsOnceWithTheSamePartitionsThreeReplicasAndMinInsyncTwo() {
    List<KafkaTopic> declared = manifests.all(KafkaTopic.class);
    List<String> expected = new java.util.ArrayList<>(topics.all());
    expected.add(topics.payloads()); // the claim-check store: compacted, not an input (docs/large-payloads.md)
    assertThat(declared).extracting(t -> t.getSpec().getTopicName()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(declared).extracting(t -> t.getSpec().getPartitions()).as("co-partitioned: one count for all").containsOnly(6);
    assertThat(declared).extracting(t -> t.getSpec().getReplicas()).containsOnly(3);
    assertThat(declared).extracting(t -> t.getSpec().getConfig().get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG)).containsOnly(2);
  }

  @Test
  void onlyTheClaimCheckTopicIsCompactedAndRetentionIsWhatTheEngineWouldSet() {
    long day = 24L * 3600 * 1000;
    for (KafkaTopic t : manifests.all(KafkaTopic.class)) {
      Map<String, Object> config = t.getSpec().getConfig();
      if (t.getSpec().getTopicName().equals(topics.payloads())) {
        // content-addressed chunks, deleted by tombstones when their run expires (ADR 0021)
        assertThat(config).containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "compact").doesNotContainKey(TopicConfig.RETENTION_MS_CONFIG);
        continue;
      }
      assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG)).as("%s cleanup.policy", t.getSpec().getTopicName()).isEqualTo("delete");
      long expected = t.getSpec().getTopicName().equals(topics.deadLetters()) ? 30 * day
          : t.getSpec().getTopicName().equals(topics.streams()) ? day // transient token streams (docs/streams.md)
          : 7 * day;
      assertThat(((Number) config.get(TopicConfig.RETENTION_MS_CONFIG)).longValue()).as("%s retention.ms", t.getSpec().getTopicName()).isEqualTo(expected);
    }
  }

  @Test
  void topicConfigKeysAreKafkaTopicConfigs() throws Exception {
    Set<String> known = new HashSet<>();
    for (Field f : TopicConfig.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getName().endsWith("_CONFIG") && f.getType() == String.class) {
        known.add((String) f.get(null));
      }
    }
    for (KafkaTopic t : manifests.all(KafkaTopic.class)) {
      assertThat(known).as("config keys of %s", t.getMetadata().getName()).containsAll(t.getSpec().getConfig().keySet());
    }
  }

  @Test
  void strimziResourcesAllNameOneClusterAndTheEngineUsesItsBootstrapAndCa() {
    Set<String> clusters = new HashSet<>();
    manifests.all(KafkaTopic.class).forEach(t -> clusters.add(t.getMetadata().getLabels().get("strimzi.io/cluster")));
    manifests.all(KafkaUser.class).forEach(u -> clusters.add(u.getMetadata().getLabels().get("strimzi.io/cluster")));
    assertThat(clusters).hasSize(1).doesNotContainNull();
    String cluster = clusters.iterator().next();
    assertThat(engine.flag("--bootstrap-servers")).startsWith(cluster + "-kafka-bootstrap:");
    assertThat(projectedSecrets()).containsKey(cluster + "-cluster-ca-cert");
  }

  // ---------------------------------------------------------------- users and ACLs

  @Test
  void everyUserAuthenticatesWithScramSha512AndUsesSimpleAuthorization() {
    assertThat(manifests.all(KafkaUser.class)).extracting(u -> u.getMetadata().getName())
        .containsExactlyInAnyOrder("stepstream-engine", "stepstream-client", "stepstream-approver");
    for (KafkaUser u : manifests.all(KafkaUser.class)) {
      assertThat(u.getSpec().getAuthentication()).isInstanceOf(KafkaUserScramSha512ClientAuthentication.class);
      assertThat(u.getSpec().getAuthorization()).isInstanceOf(KafkaUserAuthorizationSimple.class);
      for (AclRule r : ((KafkaUserAuthorizationSimple) u.getSpec().getAuthorization()).getAcls()) {
        assertThat(r.getType()).as("%s: allow rules only", u.getMetadata().getName()).isIn(null, AclRuleType.ALLOW);
        assertThat(r.getHost()).as("%s: any host", u.getMetadata().getName()).isIn(null, "*");
        assertThat(r.getOperation()).as("%s: `operation` is gone from the v1 API; use `operations`", u.getMetadata().getName()).isNull();
      }
    }
  }

  @Test
  void theEngineMayUseItsTopicsAndItsOwnInternalTopicsGroupAndTransactionsAndNothingElse() {
    assertThat(acls("stepstream-engine")).isEqualTo(Map.of(
        // inputs read; outputs written; inputs rewritten to their home partition; size limits read
        "topic " + topics.prefix() + ". prefix", Set.of("Read", "Write", "DescribeConfigs"),
        // Kafka Streams' changelogs: created, validated, restored, written, cleaned up
        "topic " + applicationId + "- prefix", Set.of("Create", "Read", "Write", "DescribeConfigs"),
        "group " + applicationId + " literal", Set.of("Read"),
        "transactionalId " + applicationId + "- prefix", Set.of("Write")));
    // The topic prefix must end with the dot: "stepstream" alone would also match the changelogs.
    assertThat(applicationId).doesNotStartWith(topics.prefix() + ".");
  }

  @Test
  void theClientMayStartSignalSendToSessionsReadResultsEventsAndStreamsAndUsePayloadsOnly() {
    assertThat(acls("stepstream-client")).isEqualTo(Map.of(
        "topic " + topics.requests() + " literal", Set.of("Write"),
        "topic " + topics.signals() + " literal", Set.of("Write"),
        "topic " + topics.sessions() + " literal", Set.of("Write"),
        "topic " + topics.results() + " literal", Set.of("Read"),
        "topic " + topics.events() + " literal", Set.of("Read"),
        "topic " + topics.streams() + " literal", Set.of("Read"),
        "topic " + topics.payloads() + " literal", Set.of("Read", "Write")));
  }

  @Test
  void theApproverMayDecideAndReadWhatIsPendingOnly() {
    assertThat(acls("stepstream-approver")).isEqualTo(Map.of(
        "topic " + topics.approvals() + " literal", Set.of("Write"),
        "topic " + topics.approvalRequests() + " literal", Set.of("Read")));
  }

  /** "type name patternType" (or "cluster") -> operations, of one user; a resource listed twice fails. */
  private static Map<String, Set<String>> acls(String user) {
    KafkaUser u = manifests.all(KafkaUser.class).stream().filter(x -> x.getMetadata().getName().equals(user)).findFirst().orElseThrow();
    Map<String, Set<String>> acls = new HashMap<>();
    for (AclRule r : ((KafkaUserAuthorizationSimple) u.getSpec().getAuthorization()).getAcls()) {
      String resource;
      if (r.getResource() instanceof AclRuleTopicResource t) {
        resource = "topic " + t.getName() + " " + t.getPatternType().toValue();
      } else if (r.getResource() instanceof AclRuleGroupResource g) {
        resource = "group " + g.getName() + " " + g.getPatternType().toValue();
      } else if (r.getResource() instanceof AclRuleTransactionalIdResource x) {
        resource = "transactionalId " + x.getName() + " " + x.getPatternType().toValue();
      } else if (r.getResource() instanceof AclRuleClusterResource) {
        resource = "cluster";
      } else {
        throw new AssertionError("resource type " + r.getResource().getType());
      }
      Set<String> ops = r.getOperations().stream().map(AclOperation::toValue).collect(Collectors.toSet());
      assertThat(ops).as("%s %s: operations listed once", user, resource).hasSize(r.getOperations().size());
      assertThat(acls.put(resource, ops)).as("%s: %s has two rules", user, resource).isNull();
    }
    return acls;
  }

  // ---------------------------------------------------------------- the engine StatefulSet

  @Test
  void theEngineRunsTheContractCommand() {
    List<String> expected = new ArrayList<>(Engine.FLAGS);
    expected.add("--http-advertised-host"); // several pods: queries are forwarded to the owner by name
    assertThat(engine.flags.keySet()).containsExactlyElementsOf(expected);
    assertThat(engine.flag("--http-bind")).isEqualTo("0.0.0.0:" + engine.httpPort());
    assertThat(engine.flag("--http-advertised-host")).isEqualTo("$(POD_NAME)." + engine.statefulSet.getSpec().getServiceName());
    assertThat(engine.container.getEnv()).anySatisfy(env -> {
      assertThat(env.getName()).isEqualTo("POD_NAME");
      assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    });
    assertThat(engine.flag("--workflows")).startsWith("/workflows/").endsWith(".jar");
    assertThat(engine.container.getCommand()).as("the image's ENTRYPOINT (java -jar stepstream.jar) runs").isNullOrEmpty();
  }

  @Test
  void probesUseTheHealthEndpointsOnTheHttpPort() {
    assertThat(httpGet(engine.container.getReadinessProbe()).getPath()).isEqualTo("/health/ready");
    assertThat(httpGet(engine.container.getLivenessProbe()).getPath()).isEqualTo("/health/live");
    assertThat(httpGet(engine.container.getStartupProbe()).getPath()).isEqualTo("/health/live");
    for (Probe p : List.of(engine.container.getReadinessProbe(), engine.container.getLivenessProbe(), engine.container.getStartupProbe())) {
      assertThat(portNumber(httpGet(p).getPort())).isEqualTo(engine.httpPort());
    }
  }

  @Test
  void theStateDirIsTheMountOfAPersistentVolumeClaim() {
    String stateDir = engine.flag("--state-dir");
    VolumeMount mount = engine.mountOf(stateDir);
    assertThat(mount.getMountPath()).as("--state-dir is the volume's root").isEqualTo(stateDir);
    assertThat(mount.getReadOnly()).isIn(null, false);
    List<PersistentVolumeClaim> claims = engine.statefulSet.getSpec().getVolumeClaimTemplates();
    PersistentVolumeClaim claim = claims.stream().filter(c -> c.getMetadata().getName().equals(mount.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("the mount at " + stateDir + " is not a volumeClaimTemplate"));
    assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(claim.getSpec().getResources().getRequests()).containsKey("storage");
    assertThat(engine.pod.getVolumes()).extracting(Volume::getName).as("a pod volume would shadow the claim").doesNotContain(mount.getName());
  }

  @Test
  void theCommandConfigIsTheConfigMapsClientProperties() {
    KeyToPath item = projectedItem(engine.flag("--command-config"), "configMap");
    ConfigMap cm = manifests.one(ConfigMap.class, projectedSourceName(engine.flag("--command-config")));
    assertThat(cm.getData()).containsKey(item.getKey());
  }

  @Test
  void theApprovalSecretFileComesFromASecret() {
    KeyToPath item = projectedItem(engine.flag("--approval-secret-file"), "secret");
    assertThat(item.getKey()).isEqualTo("approval-secret");
  }

  @Test
  void theWorkflowsJarIsCopiedByAnInitContainerIntoTheVolumeTheEngineReads() {
    String jar = engine.flag("--workflows");
    VolumeMount mount = engine.mountOf(jar);
    assertThat(engine.volume(mount.getName()).getEmptyDir()).isNotNull();
    Container init = engine.pod.getInitContainers().stream()
        .filter(c -> c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(mount.getName()))).findFirst()
        .orElseThrow(() -> new AssertionError("no init container fills volume " + mount.getName()));
    VolumeMount initMount = init.getVolumeMounts().stream().filter(m -> m.getName().equals(mount.getName())).findFirst().orElseThrow();
    List<String> command = init.getCommand();
    assertThat(command.get(0)).isEqualTo("cp");
    assertThat(command.get(command.size() - 1)).isEqualTo(initMount.getMountPath() + "/" + engine.relativeToMount(jar));
  }

  @Test
  void clientPropertiesReferToMountedFilesAndResolveWithKafkasOwnConfigProvider(@TempDir Path tmp) throws Exception {
    ConfigMap cm = manifests.one(ConfigMap.class, projectedSourceName(engine.flag("--command-config")));
    String text = cm.getData().get("client.properties");
    Properties props = new Properties();
    props.load(new StringReader(text));

    // every key is a Kafka client setting (or configures a config provider)
    Set<String> known = new HashSet<>(AdminClientConfig.configNames());
    known.addAll(ProducerConfig.configNames());
    known.addAll(ConsumerConfig.configNames());
    for (String key : props.stringPropertyNames()) {
      assertThat(known.contains(key) || key.startsWith("config.providers.")).as("%s is a Kafka client property", key).isTrue();
    }
    assertThat(props).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512");

    // every file it names is mounted, from the right Secret and key
    String configDir = engine.mountOf(engine.flag("--command-config")).getMountPath();
    Set<String> referenced = new LinkedHashSet<>();
    Matcher ref = Pattern.compile("\\$\\{secrets:([^:}]+):([^}]+)}").matcher(text);
    while (ref.find()) {
      referenced.add(ref.group(1) + "/" + ref.group(2));
    }
    referenced.add(props.getProperty("ssl.truststore.location"));
    assertThat(referenced).hasSize(2);
    Map<String, String> sourceOf = new HashMap<>(); // path in the volume -> secret/key
    projectedSources().forEach(s -> {
      if (s.getSecret() != null) {
        s.getSecret().getItems().forEach(i -> sourceOf.put(i.getPath(), s.getSecret().getName() + "/" + i.getKey()));
      }
    });
    assertThat(referenced).allMatch(p -> p.startsWith(configDir + "/"));
    assertThat(sourceOf.get(props.getProperty("ssl.truststore.location").substring(configDir.length() + 1)))
        .endsWith("-cluster-ca-cert/ca.crt");
    String jaas = referenced.stream().filter(p -> p.endsWith("sasl.jaas.config")).findFirst().orElseThrow();
    assertThat(sourceOf.get(jaas.substring(configDir.length() + 1))).isEqualTo("stepstream-engine/sasl.jaas.config");

    // and Kafka's own client config resolves them from such files
    String jaasValue = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"stepstream-engine\" password=\"x\";";
    Files.createDirectories(tmp.resolve("kafka-user"));
    Files.writeString(tmp.resolve("kafka-user/sasl.jaas.config"), jaasValue);
    Map<String, Object> local = new HashMap<>();
    props.stringPropertyNames().forEach(k -> local.put(k, props.getProperty(k).replace(configDir, tmp.toString())));
    local.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9093");
    AdminClientConfig resolved = new AdminClientConfig(local);
    assertThat(resolved.getPassword("sasl.jaas.config").value()).isEqualTo(jaasValue);
    assertThat(resolved.getString("ssl.truststore.type")).isEqualTo("PEM");
  }

  @Test
  void theEngineHasResourcesATerminationGraceForACleanLeaveAndRunsAsTheImagesUser() throws Exception {
    var resources = engine.container.getResources();
    assertThat(resources.getRequests()).containsKeys("cpu", "memory");
    assertThat(resources.getLimits()).containsKey("memory");
    assertThat(resources.getRequests().get("memory")).isEqualTo(resources.getLimits().get("memory"));
    assertThat(engine.pod.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(60L);

    var pod = engine.pod.getSecurityContext();
    assertThat(pod.getRunAsNonRoot()).isTrue();
    String dockerUser = Files.readAllLines(DOCKERFILE).stream().filter(l -> l.startsWith("USER ")).findFirst().orElseThrow()
        .substring(5).trim().split(":")[0];
    assertThat(pod.getRunAsUser()).as("runAsUser = the Dockerfile's USER").isEqualTo(Long.parseLong(dockerUser));
    assertThat(pod.getFsGroup()).as("state volume writable").isEqualTo(pod.getRunAsGroup());
    assertThat(engine.container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(engine.mountOf("/tmp/x").getMountPath()).as("writable /tmp for RocksDB's native library").isEqualTo("/tmp");
  }

  // ---------------------------------------------------------------- services, PDB, ServiceMonitor

  @Test
  void theHeadlessServiceGovernsTheStatefulSetAndSelectsItsPods() {
    Service headless = manifests.one(Service.class, engine.statefulSet.getSpec().getServiceName());
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(podLabels()).containsAllEntriesOf(headless.getSpec().getSelector());
  }

  @Test
  void theStatefulSetSelectorMatchesItsPodTemplate() {
    assertThat(podLabels()).containsAllEntriesOf(engine.statefulSet.getSpec().getSelector().getMatchLabels());
    assertThat(engine.statefulSet.getSpec().getSelector().getMatchExpressions()).isNullOrEmpty();
  }

  @Test
  void thePodDisruptionBudgetAllowsOneInstanceDownAndSelectsTheStatefulSetsPods() {
    PodDisruptionBudget pdb = manifests.all(PodDisruptionBudget.class).get(0);
    assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    assertThat(pdb.getSpec().getMinAvailable()).isNull();
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(engine.statefulSet.getSpec().getSelector().getMatchLabels());
    assertThat(pdb.getSpec().getSelector().getMatchExpressions()).isNullOrEmpty();
  }

  @Test
  void theServiceMonitorSelectsOnlyTheMetricsServiceAndScrapesAPortItHas() {
    JsonNode monitor = manifests.ofKind("ServiceMonitor").get(0).tree();
    Map<String, String> selector = new HashMap<>();
    monitor.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(e -> selector.put(e.getKey(), e.getValue().asText()));
    assertThat(selector).isNotEmpty();
    assertThat(monitor.path("spec").path("selector").has("matchExpressions")).isFalse();
    List<Service> selected = manifests.all(Service.class).stream()
        .filter(s -> s.getMetadata().getLabels() != null && s.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
    assertThat(selected).as("services the ServiceMonitor selects").hasSize(1);
    Service metrics = selected.get(0);
    assertThat(podLabels()).containsAllEntriesOf(metrics.getSpec().getSelector());
    for (JsonNode endpoint : monitor.path("spec").path("endpoints")) {
      ServicePort port = metrics.getSpec().getPorts().stream().filter(p -> p.getName().equals(endpoint.path("port").asText())).findFirst()
          .orElseThrow(() -> new AssertionError("the ServiceMonitor scrapes port " + endpoint.path("port") + " that " + metrics.getMetadata().getName() + " lacks"));
      assertThat(portNumber(port.getTargetPort())).isEqualTo(engine.httpPort());
      assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Map<String, String> podLabels() {
    return engine.statefulSet.getSpec().getTemplate().getMetadata().getLabels();
  }

  private static List<Container> allContainers() {
    List<Container> all = new ArrayList<>(engine.pod.getContainers());
    if (engine.pod.getInitContainers() != null) {
      all.addAll(engine.pod.getInitContainers());
    }
    return all;
  }

  private static HTTPGetAction httpGet(Probe p) {
    assertThat(p).isNotNull();
    assertThat(p.getHttpGet()).isNotNull();
    return p.getHttpGet();
  }

  /** A port given by name resolves to the engine container's port of that name. */
  private static int portNumber(IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return engine.container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal())).getContainerPort();
  }

  private static List<VolumeProjection> projectedSources() {
    Volume v = engine.volume(engine.mountOf(engine.flag("--command-config")).getName());
    assertThat(v.getProjected()).as("the config volume is a projected volume").isNotNull();
    return v.getProjected().getSources();
  }

  private static Map<String, VolumeProjection> projectedSecrets() {
    return projectedSources().stream().filter(s -> s.getSecret() != null).collect(Collectors.toMap(s -> s.getSecret().getName(), s -> s));
  }

  /** The item of the projected config volume that provides {@code file}, checking it comes from a source of {@code kind}. */
  private static KeyToPath projectedItem(String file, String kind) {
    String relative = engine.relativeToMount(file);
    for (VolumeProjection s : projectedSources()) {
      List<KeyToPath> items = s.getConfigMap() != null ? s.getConfigMap().getItems() : s.getSecret() != null ? s.getSecret().getItems() : List.of();
      for (KeyToPath i : items) {
        if (i.getPath().equals(relative)) {
          assertThat(s.getConfigMap() != null ? "configMap" : "secret").as("source of %s", file).isEqualTo(kind);
          return i;
        }
      }
    }
    throw new AssertionError(file + " is not provided by the projected config volume");
  }

  private static String projectedSourceName(String file) {
    String relative = engine.relativeToMount(file);
    for (VolumeProjection s : projectedSources()) {
      if (s.getConfigMap() != null && s.getConfigMap().getItems().stream().anyMatch(i -> i.getPath().equals(relative))) {
        return s.getConfigMap().getName();
      }
      if (s.getSecret() != null && s.getSecret().getItems().stream().anyMatch(i -> i.getPath().equals(relative))) {
        return s.getSecret().getName();
      }
    }
    throw new AssertionError(file + " is not provided by the projected config volume");
  }
}
