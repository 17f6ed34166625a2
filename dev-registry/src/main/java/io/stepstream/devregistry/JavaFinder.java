package io.stepstream.devregistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a Java runtime new enough for Apicurio Registry 3 (built for Java 21), since the project
 * itself builds and tests on Java 17.
 */
final class JavaFinder {
  static final String JAVA_PROPERTY = "stepstream.devregistry.java";
  static final String JAVA_HOME_ENV = "STEPSTREAM_REGISTRY_JAVA_HOME";
  private static final Path JVM_DIR = Path.of("/usr/lib/jvm");
  private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"?(\\d+)", Pattern.MULTILINE);

  private JavaFinder() {}

  /** The path of a {@code java} executable of at least {@code minimum}. */
  static String java(int minimum) {
    String property = System.getProperty(JAVA_PROPERTY);
    if (property != null && !property.isBlank()) {
      return property;
    }
    String env = System.getenv(JAVA_HOME_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env, "bin", "java").toString();
    }
    if (Runtime.version().feature() >= minimum) {
      return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
    List<String> seen = new ArrayList<>();
    Optional<Path> found = Optional.empty();
    if (Files.isDirectory(JVM_DIR)) {
      try (Stream<Path> homes = Files.list(JVM_DIR)) {
        found =
            homes
                .filter(h -> Files.isExecutable(h.resolve("bin/java")))
                .filter(h -> !Files.isSymbolicLink(h))
                .peek(h -> seen.add(h + " (" + feature(h).map(String::valueOf).orElse("?") + ")"))
                .filter(h -> feature(h).orElse(0) >= minimum)
                .max(Comparator.comparing((Path h) -> feature(h).orElse(0)));
      } catch (IOException e) {
        seen.add(JVM_DIR + ": " + e.getMessage());
      }
    }
    return found
        .map(h -> h.resolve("bin/java").toString())
        .orElseThrow(() -> new IllegalStateException(
            "the dev schema registry (Apicurio Registry) needs Java " + minimum + " or later and this JVM is "
                + Runtime.version().feature() + "; none found under " + JVM_DIR + " " + seen + ". Install one"
                + " (Debian 12 packages none; a Temurin JDK 21+ under /usr/lib/jvm is found) or point -D" + JAVA_PROPERTY + "=/path/to/bin/java or $"
                + JAVA_HOME_ENV + " at it"));
  }

  /** The feature version in a JDK's {@code release} file. */
  private static Optional<Integer> feature(Path home) {
    try {
      Matcher m = VERSION.matcher(Files.readString(home.resolve("release")));
      return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
