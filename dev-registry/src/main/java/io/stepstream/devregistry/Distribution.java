package io.stepstream.devregistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where the unpacked Apicurio Registry app is: {@code -Dstepstream.devregistry.home=DIR} (a directory
 * holding {@code quarkus-run.jar}), else the archive Maven downloaded for this module, unpacked once
 * per machine into {@code <java.io.tmpdir>/stepstream-dev-registry/apicurio-registry-<version>}.
 */
final class Distribution {
  static final String HOME_PROPERTY = "stepstream.devregistry.home";
  private static final String COMPLETE = ".unpacked";

  private Distribution() {}

  static Path home() {
    String override = System.getProperty(HOME_PROPERTY);
    if (override != null && !override.isBlank()) {
      Path home = Path.of(override);
      if (!Files.isRegularFile(home.resolve("quarkus-run.jar"))) {
        throw new IllegalStateException(
            "-D" + HOME_PROPERTY + "=" + override + " has no quarkus-run.jar; point it at an unpacked"
                + " apicurio-registry-app-<version>-all.tar.gz");
      }
      return home;
    }
    Properties info = DevSchemaRegistry.buildInfo();
    String version = info.getProperty("apicurio.version");
    Path archive = Path.of(info.getProperty("apicurio.archive"));
    Path home =
        Path.of(System.getProperty("java.io.tmpdir"), "stepstream-dev-registry", "apicurio-registry-" + version);
    if (Files.isRegularFile(home.resolve(COMPLETE))) {
      return home;
    }
    if (!Files.isRegularFile(archive)) {
      throw new IllegalStateException(
          "the Apicurio Registry app is not in the local Maven repository (" + archive + "). Maven downloads it"
              + " as a dependency of stepstream-dev-registry: run `mvn -pl dev-registry -am verify` without -o,"
              + " or `mvn dependency:get -Dartifact=io.apicurio:apicurio-registry-app:" + version
              + ":tar.gz:all -Dtransitive=false`");
    }
    unpack(archive, home);
    return home;
  }

  /** Unpacks into a sibling directory, then renames: concurrent builds never see half an app. */
  private static void unpack(Path archive, Path home) {
    try {
      Files.createDirectories(home.getParent());
      Path partial = Files.createTempDirectory(home.getParent(), home.getFileName() + ".partial-");
      Process tar =
          new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", partial.toString())
              .redirectErrorStream(true)
              .start();
      String output = new String(tar.getInputStream().readAllBytes());
      if (!tar.waitFor(5, TimeUnit.MINUTES) || tar.exitValue() != 0) {
        tar.destroyForcibly();
        delete(partial);
        throw new IllegalStateException("cannot unpack " + archive + " with tar: " + output);
      }
      Files.writeString(partial.resolve(COMPLETE), archive.toString());
      try {
        Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException | java.nio.file.FileAlreadyExistsException
          | java.nio.file.DirectoryNotEmptyException raced) {
        delete(partial); // another build unpacked it first (or a stale, incomplete one is in the way)
        if (!Files.isRegularFile(home.resolve(COMPLETE))) {
          delete(home);
          unpack(archive, home);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack " + archive + " into " + home + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while unpacking " + archive, e);
    }
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
