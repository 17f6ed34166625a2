package io.stepstream.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The engine StatefulSet read as the engine command it runs: flags, and where their files come from. */
final class Engine {
  /** The flags of the engine command's contract, in order. */
  static final List<String> FLAGS = List.of("--workflows", "--bootstrap-servers", "--command-config", "--topic-prefix",
      "--application-id", "--state-dir", "--http-bind", "--approval-secret-file");

  final StatefulSet statefulSet;
  final PodSpec pod;
  final Container container;
  final Map<String, String> flags;

  Engine(StatefulSet statefulSet) {
    this.statefulSet = statefulSet;
    this.pod = statefulSet.getSpec().getTemplate().getSpec();
    List<Container> engines = pod.getContainers().stream().filter(c -> c.getArgs() != null && c.getArgs().contains("engine")).toList();
    if (engines.size() != 1) {
      throw new AssertionError("expected one container running `engine`, found " + engines.size());
    }
    this.container = engines.get(0);
    this.flags = flags(container.getArgs());
  }

  /** {@code engine --a x --b y} -> {--a=x, --b=y}; anything else is an error. */
  static Map<String, String> flags(List<String> args) {
    if (args.isEmpty() || !args.get(0).equals("engine")) {
      throw new AssertionError("the command must start with `engine`: " + args);
    }
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 1; i < args.size(); i += 2) {
      if (!args.get(i).startsWith("--") || i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
        throw new AssertionError("expected `--flag value` pairs after `engine`: " + args);
      }
      if (flags.put(args.get(i), args.get(i + 1)) != null) {
        throw new AssertionError("flag given twice: " + args.get(i));
      }
    }
    return flags;
  }

  String flag(String name) {
    String v = flags.get(name);
    if (v == null) {
      throw new AssertionError("engine command lacks " + name + ": " + container.getArgs());
    }
    return v;
  }

  /** The mount a file path lives under (the longest mountPath that is a prefix of it). */
  VolumeMount mountOf(String path) {
    return container.getVolumeMounts().stream()
        .filter(m -> path.equals(m.getMountPath()) || path.startsWith(m.getMountPath().endsWith("/") ? m.getMountPath() : m.getMountPath() + "/"))
        .max(Comparator.comparingInt(m -> m.getMountPath().length()))
        .orElseThrow(() -> new AssertionError(path + " is on no volume mount of the engine container"));
  }

  /** {@code path} relative to its mount. */
  String relativeToMount(String path) {
    VolumeMount m = mountOf(path);
    return path.substring(m.getMountPath().length()).replaceFirst("^/", "");
  }

  Volume volume(String name) {
    return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name + " in the pod spec"));
  }

  int httpPort() {
    return container.getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("engine container has no port named http")).getContainerPort();
  }
}
