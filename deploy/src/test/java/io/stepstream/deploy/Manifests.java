package io.stepstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every manifest of a folder, each document loaded into the typed model of its apiVersion and kind:
 * fabric8's Kubernetes model for core kinds, Strimzi's API model for KafkaTopic/KafkaUser. A kind
 * not in {@link #TYPES} is refused, so a new manifest cannot slip in unchecked. ServiceMonitor has no
 * Java model here: it is kept as a tree and checked against the Prometheus Operator's CRD schema.
 */
final class Manifests {
  /** apiVersion/kind -> model class (null: schema-checked only). */
  static final Map<String, Class<?>> TYPES = Map.of(
      "v1/ConfigMap", ConfigMap.class,
      "v1/Service", Service.class,
      "apps/v1/StatefulSet", StatefulSet.class,
      "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
      "kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class,
      "kafka.strimzi.io/v1/KafkaUser", KafkaUser.class,
      "monitoring.coreos.com/v1/ServiceMonitor", JsonNode.class);

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** One YAML document of one file. */
  record Doc(Path file, int index, String apiVersion, String kind, String name, JsonNode tree, Object model) {
    String where() {
      return file.getFileName() + "#" + index + " " + kind + "/" + name;
    }
  }

  private final List<Doc> docs;

  private Manifests(List<Doc> docs) {
    this.docs = docs;
  }

  /** Every *.yaml of {@code dir} except kustomization.yaml. */
  static Manifests loadFolder(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().equals("kustomization.yaml")).sorted().toList();
      List<Doc> docs = new ArrayList<>();
      for (Path f : yaml) {
        docs.addAll(load(f));
      }
      return new Manifests(docs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Doc> load(Path file) {
    List<Doc> docs = new ArrayList<>();
    List<JsonNode> trees = Yaml.documents(file);
    for (int i = 0; i < trees.size(); i++) {
      docs.add(toDoc(file, i, trees.get(i)));
    }
    return docs;
  }

  private static Doc toDoc(Path file, int index, JsonNode tree) {
    String apiVersion = tree.path("apiVersion").asText();
    String kind = tree.path("kind").asText();
    String name = tree.path("metadata").path("name").asText();
    String where = file.getFileName() + "#" + index + " (" + apiVersion + " " + kind + " " + name + ")";
    Class<?> type = TYPES.get(apiVersion + "/" + kind);
    if (type == null) {
      throw new AssertionError(where + ": no model for this apiVersion/kind; known: " + TYPES.keySet());
    }
    if (name.isEmpty()) {
      throw new AssertionError(where + ": metadata.name missing");
    }
    if (type == JsonNode.class) {
      return new Doc(file, index, apiVersion, kind, name, tree, tree);
    }
    Object model;
    try {
      model = SERIALIZATION.unmarshal(tree.toString(), type);
    } catch (RuntimeException e) {
      throw new AssertionError(where + ": does not load into " + type.getName() + ": " + causes(e), e);
    }
    List<String> unknown = StrictModel.unknownFields(model);
    if (!unknown.isEmpty()) {
      throw new AssertionError(where + ": fields unknown to " + type.getName() + " (misspelt, misplaced or of the wrong type): " + unknown);
    }
    if (model instanceof HasMetadata m && !(apiVersion.equals(m.getApiVersion()) && kind.equals(m.getKind()))) {
      throw new AssertionError(where + ": loaded as " + m.getApiVersion() + " " + m.getKind());
    }
    return new Doc(file, index, apiVersion, kind, name, tree, model);
  }

  /** fabric8 wraps Jackson's precise message ("Cannot deserialize ... (through reference chain: ...)") in a vague one. */
  private static String causes(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      b.append(b.length() == 0 ? "" : " <- ").append(t.getMessage());
    }
    return b.toString();
  }

  List<Doc> docs() {
    return docs;
  }

  <T> List<T> all(Class<T> type) {
    return docs.stream().filter(d -> type.isInstance(d.model())).map(d -> type.cast(d.model())).toList();
  }

  List<Doc> ofKind(String kind) {
    return docs.stream().filter(d -> d.kind().equals(kind)).toList();
  }

  <T extends HasMetadata> T one(Class<T> type, String name) {
    List<T> found = all(type).stream().filter(m -> m.getMetadata().getName().equals(name)).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + " named " + name + ", found " + found.size());
    }
    return found.get(0);
  }
}
