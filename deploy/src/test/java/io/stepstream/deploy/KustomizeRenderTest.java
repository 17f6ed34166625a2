package io.stepstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `kubectl apply -k deploy/kubernetes` would send: rendered by kubectl's own kustomize (offline,
 * no cluster needed) and loaded strictly again. Skipped, saying so, where kubectl is not installed.
 */
@Timeout(120)
class KustomizeRenderTest {
  @Test
  void kubectlKustomizeRendersEveryManifestIntoTheNamespaceWithTheImagesSet(@TempDir Path tmp) throws Exception {
    Path kubectl = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).findFirst().orElse(null);
    assumeTrue(kubectl != null, "kubectl is not on PATH: the kustomize rendering of deploy/kubernetes is not checked here");

    Path out = tmp.resolve("rendered.yaml");
    Process p = new ProcessBuilder(kubectl.toString(), "kustomize", KubernetesManifestsTest.DIR.toString())
        .redirectOutput(out.toFile()).redirectError(tmp.resolve("err.txt").toFile()).start();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl kustomize: %s", Files.readString(tmp.resolve("err.txt"))).isZero();

    List<Manifests.Doc> rendered = Manifests.load(out);
    Manifests source = Manifests.loadFolder(KubernetesManifestsTest.DIR);
    assertThat(rendered).extracting(d -> d.kind() + "/" + d.name())
        .containsExactlyInAnyOrderElementsOf(source.docs().stream().map(d -> d.kind() + "/" + d.name()).toList());
    JsonNode kustomization = Yaml.single(KubernetesManifestsTest.DIR.resolve("kustomization.yaml"));
    String namespace = kustomization.path("namespace").asText();
    assertThat(rendered).allMatch(d -> d.tree().path("metadata").path("namespace").asText().equals(namespace));
    List<String> images = rendered.stream().filter(d -> d.kind().equals("StatefulSet"))
        .flatMap(d -> d.tree().findValues("image").stream()).map(JsonNode::asText).toList();
    for (JsonNode i : kustomization.path("images")) {
      assertThat(images).contains(i.path("newName").asText() + ":" + i.path("newTag").asText());
    }
  }
}
