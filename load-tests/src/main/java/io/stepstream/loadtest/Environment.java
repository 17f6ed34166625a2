package io.stepstream.loadtest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The machine and the code a benchmark ran on. */
public final class Environment {
  private Environment() {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Machine(int cores, String cpu, String memory, String jdk, String os) {
    public String oneLine() {
      return cores + " cores (" + cpu + "), " + memory + " RAM, " + jdk + ", " + os;
    }
  }

  /**
   * The code a benchmark measured. {@code commit}: HEAD of the checkout when the benchmark ran.
   * {@code engineRef}: the commit the engine was built from, as load-tests/bench recorded it at build
   * time (the working tree's HEAD, or BENCH_ENGINE_REF); null when unknown (run without the script).
   * {@code engineChanges}: engine files (topology/, schemas/) that differed from that commit when
   * the engine was built (or, without the script, in the working tree now); {@code otherChanges}:
   * other modified tracked files. {@code engineJars}: the engine jars actually loaded, with a
   * content hash.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Git(String commit, String engineRef, int engineChanges, int otherChanges, String engineJars) {
    /** Which engine code was measured, in one phrase. */
    public String describe() {
      String base = engineRef != null && !engineRef.isBlank() ? engineRef : commit;
      return base + (engineChanges > 0 ? " + uncommitted engine changes in " + engineChanges + " files" : "");
    }
  }

  public static Machine machine() {
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        procField("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch")),
        memTotal(),
        System.getProperty("java.vm.vendor", "?") + " " + System.getProperty("java.vm.name", "Java") + " "
            + System.getProperty("java.runtime.version", System.getProperty("java.version")),
        osRelease().orElse(System.getProperty("os.name")) + " (" + System.getProperty("os.name") + " "
            + System.getProperty("os.version") + ", " + System.getProperty("os.arch") + ")");
  }

  public static Git git(Path root) {
    String commit = run(root, "git", "rev-parse", "--short", "HEAD").map(String::trim).filter(s -> !s.isEmpty()).orElse("unknown");
    int engine = run(root, "git", "status", "--porcelain", "--untracked-files=all", "--", "topology/src/main", "schemas/src/main",
            "topology/pom.xml", "schemas/pom.xml")
        .map(s -> (int) s.lines().filter(l -> !l.isBlank()).count())
        .orElse(0);
    int other = run(root, "git", "status", "--porcelain", "--untracked-files=no")
        .map(s -> (int) s.lines().filter(l -> !l.isBlank()).count())
        .orElse(0);
    String ref = System.getProperty("stepstream.engineRef");
    if (ref != null && !ref.isBlank()) {
      // the script knows what the engine jars were built from; the working tree may have moved on since
      engine = Integer.parseInt(System.getProperty("stepstream.engineDirty", "0").trim());
    }
    return new Git(commit, ref == null || ref.isBlank() ? null : ref, engine, Math.max(0, other - engine), engineJars());
  }

  /** "name sha256:abcdef012345, ..." of the jars (or class directories) the engine classes were loaded from. */
  static String engineJars() {
    List<String> out = new java.util.ArrayList<>();
    for (Class<?> c : new Class<?>[] {io.stepstream.engine.Stepstream.class, io.stepstream.avro.RunStatus.class}) {
      try {
        Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(p)) {
          byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
          out.add(p.getFileName() + " sha256:" + java.util.HexFormat.of().formatHex(hash).substring(0, 12));
        } else {
          out.add(p.toString());
        }
      } catch (Exception | LinkageError e) {
        out.add(c.getSimpleName() + ": unknown");
      }
    }
    return String.join(", ", out);
  }

  /** /proc/loadavg's 1, 5 and 15 minute averages: other load on the machine shows here. */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** CPU seconds used so far by the whole machine (non-idle time over all cores, from /proc/stat); -1 if unknown. */
  public static double machineBusyCpuSeconds() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.UTF_8).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return (total - idle) / 100.0; // USER_HZ
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** CPU seconds used so far by this JVM; -1 if unknown. */
  public static double processCpuSeconds() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      long ns = sun.getProcessCpuTime();
      return ns < 0 ? -1 : ns / 1e9;
    }
    return -1;
  }

  private static String memTotal() {
    return procField("/proc/meminfo", "MemTotal")
        .map(v -> {
          String[] parts = v.trim().split("\\s+");
          long kb = Long.parseLong(parts[0]);
          return String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
        })
        .orElse(String.format(Locale.ROOT, "%.1f GiB max heap", Runtime.getRuntime().maxMemory() / 1024.0 / 1024 / 1024));
  }

  private static Optional<String> procField(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
          return Optional.of(line.substring(colon + 1).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return Optional.empty();
  }

  private static Optional<String> osRelease() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"), StandardCharsets.UTF_8)) {
        if (line.startsWith("PRETTY_NAME=")) {
          return Optional.of(line.substring("PRETTY_NAME=".length()).replace("\"", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return Optional.empty();
  }

  static Optional<String> run(Path dir, String... command) {
    try {
      Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(false)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroy();
        return Optional.empty();
      }
      return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * The project root: {@code -Dstepstream.root} (set by load-tests/bench), else the nearest directory
   * at or above the working directory that holds {@code load-tests/pom.xml}, else the working directory.
   */
  public static Path projectRoot() {
    String prop = System.getProperty("stepstream.root");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    Path cwd = Path.of("").toAbsolutePath();
    for (Path p = cwd; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("load-tests").resolve("pom.xml"))) {
        return p;
      }
    }
    return cwd;
  }
}
