package io.stepstream.loadtest;

import java.nio.file.Path;
import java.util.List;

/**
 * Class data a JVM can start from instead of loading, verifying and (on 25) profiling classes again:
 * a dynamic AppCDS archive (Java 13+, so Java 17) or an AOT cache (JEP 483/514/515, Java 25).
 * A training run writes it when the JVM exits; later runs with the same class path (jars only) map it.
 *
 * <pre>
 * ClassCache cds = ClassCache.of("cds", Path.of("target/engine.jsa"));
 * cds.trainingOptions(); // [-XX:ArchiveClassesAtExit=target/engine.jsa]
 * cds.useOptions();      // [-XX:SharedArchiveFile=target/engine.jsa, -Xshare:auto]
 * ClassCache.of("aot", Path.of("target/engine.aot")).trainingOptions(); // [-XX:AOTMode=record, -XX:AOTConfiguration=target/engine.aotconf]
 * </pre>
 */
record ClassCache(String mode, Path file) {
  static ClassCache of(String mode, Path file) {
    if (!List.of("none", "cds", "aot").contains(mode)) {
      throw new IllegalArgumentException("--cache must be none, cds or aot, not " + mode);
    }
    return new ClassCache(mode, file);
  }

  boolean enabled() {
    return !mode.equals("none");
  }

  /** JVM options of the run that writes the cache at exit. */
  List<String> trainingOptions() {
    return switch (mode) {
      case "cds" -> List.of("-XX:ArchiveClassesAtExit=" + file);
      // two steps, so the cache exists when create() returns (-XX:AOTCacheOutput would assemble it in a
      // child JVM that outlives the training JVM)
      case "aot" -> List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + configuration());
      default -> List.of();
    };
  }

  /** After the training JVM exited: the command that turns its recording into the cache (none for cds, written at exit). */
  List<String> createCommand(String javaExe, String classPath) {
    return mode.equals("aot")
        ? List.of(javaExe, "-XX:AOTMode=create", "-XX:AOTConfiguration=" + configuration(), "-XX:AOTCache=" + file, "-cp", classPath)
        : List.of();
  }

  private Path configuration() {
    return file.resolveSibling(file.getFileName() + "conf");
  }

  /** JVM options of a run that starts from the cache (the JVM warns and runs without it if it does not match). */
  List<String> useOptions() {
    return switch (mode) {
      case "cds" -> List.of("-XX:SharedArchiveFile=" + file, "-Xshare:auto");
      case "aot" -> List.of("-XX:AOTCache=" + file);
      default -> List.of();
    };
  }
}
