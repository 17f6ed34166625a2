package io.stepstream.schemas;

import io.stepstream.schemas.ReleasedSchemas.Released;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * Cuts a release of the schemas; run it with {@code schemas/release-schemas [vX.Y.Z]} (paths are
 * relative to the schemas module).
 *
 * <ol>
 *   <li>With a version: copies {@code src/main/avro/*.avsc} to {@code baseline/<version>/} (refused if
 *       that release exists) and empties {@code baseline/new-since-last-release.txt}.
 *   <li>Writes the byte fixtures of every release that has none yet: one single-object encoded record
 *       per envelope, written from the <em>baseline</em> schema with {@code GenericRecord}, i.e. the
 *       bytes a writer of that release produces. Existing fixtures are never rewritten: they are what
 *       was released.
 *   <li>Rewrites {@code baseline/fingerprints.tsv}.
 * </ol>
 */
public final class SchemaRelease {
  static final Path CURRENT = Path.of("src/main/avro");
  static final Path BASELINE = Path.of("baseline");
  static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  static final Path NEW_TYPES = BASELINE.resolve("new-since-last-release.txt");

  static final String NEW_TYPES_HEADER =
      "# Schema files in src/main/avro that no release has yet (one file name a line, e.g. Heartbeat.avsc).\n"
          + "# SchemaCompatibilityTest fails for a schema that is neither released nor listed here, so a new\n"
          + "# envelope type is added deliberately. schemas/release-schemas empties this list.\n";

  private SchemaRelease() {}

  public static void main(String[] args) throws IOException {
    if (args.length > 1) {
      throw new IllegalArgumentException("usage: release-schemas [vX.Y.Z]");
    }
    if (args.length == 1) {
      copyCurrentToBaseline(args[0]);
    }
    ReleasedSchemas released = ReleasedSchemas.inDirectory(BASELINE);
    for (String version : released.versions()) {
      if (!Files.isDirectory(FIXTURES.resolve(version))) {
        writeFixtures(released, version);
      }
    }
    Files.writeString(BASELINE.resolve(ReleasedSchemas.INDEX), released.index());
    System.out.println("wrote " + BASELINE.resolve(ReleasedSchemas.INDEX) + " (" + released.versions() + ")");
  }

  private static void copyCurrentToBaseline(String version) throws IOException {
    if (!ReleasedSchemas.isVersion(version)) {
      throw new IllegalArgumentException("a release is named like v0.2.0, not '" + version + "'");
    }
    Path target = BASELINE.resolve(version);
    if (Files.exists(target)) {
      throw new IllegalStateException(target + " exists: a released version is never rewritten");
    }
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(CURRENT)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList()) {
        Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    Files.writeString(NEW_TYPES, NEW_TYPES_HEADER);
    System.out.println("copied " + CURRENT + " to " + target);
  }

  private static void writeFixtures(ReleasedSchemas released, String version) throws IOException {
    Path dir = Files.createDirectories(FIXTURES.resolve(version));
    for (Released r : released.all()) {
      if (r.version().equals(version) && r.envelope()) {
        Path file = dir.resolve(fixtureName(r));
        Files.write(file, encode(r));
        System.out.println("wrote " + file);
      }
    }
  }

  /** {@code v0.1.0/RunState.avsc} -> {@code RunState.bin}. */
  static String fixtureName(Released r) {
    String file = Path.of(r.path()).getFileName().toString();
    return file.substring(0, file.length() - ".avsc".length()) + ".bin";
  }

  static byte[] encode(Released r) throws IOException {
    GenericRecord record = SampleRecord.of(r.schema());
    ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), r.schema()).encode(record);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
