package io.stepstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * Fails the build when a schema in {@code src/main/avro} can no longer read data written with the
 * committed baseline in {@code baseline/} (Avro's own reader/writer compatibility rules). Old journals,
 * requests and results must keep decoding after an upgrade.
 *
 * <p>To change a schema: make the change backward compatible (new fields need defaults, new enum
 * symbols need the enum default), then copy the file to {@code baseline/} when the version ships.
 */
class SchemaCompatibilityTest {

  private static final Path CURRENT = Path.of("src/main/avro");
  private static final Path BASELINE = Path.of("baseline");

  @Test
  void everyCurrentSchemaReadsDataWrittenWithTheBaseline() throws IOException {
    Map<String, Schema> current = parseAll(CURRENT);
    Map<String, Schema> baseline = parseAll(BASELINE);

    List<String> problems = new ArrayList<>();
    baseline.forEach(
        (name, writer) -> {
          Schema reader = current.get(name);
          if (reader == null) {
            problems.add(name + " was removed; old data of this type could no longer be read");
            return;
          }
          var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
          if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
            problems.add(name + ": " + result.getResult().getIncompatibilities());
          }
        });
    assertThat(problems).as("backward-incompatible schema changes").isEmpty();
  }

  @Test
  void theBaselineCoversEveryEnvelope() throws IOException {
    assertThat(parseAll(BASELINE).keySet())
        .contains(
            "io.stepstream.avro.WorkflowRequest",
            "io.stepstream.avro.WorkflowResult",
            "io.stepstream.avro.StepOutcome",
            "io.stepstream.avro.JournalEntry",
            "io.stepstream.avro.AuditEvent",
            "io.stepstream.avro.DeadLetter",
            "io.stepstream.avro.RunState");
  }

  @Test
  void anIncompatibleChangeIsDetected() {
    Schema writer =
        new Schema.Parser()
            .parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}");
    Schema readerWithNewRequiredField =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},"
                    + "{\"name\":\"b\",\"type\":\"int\"}]}");
    assertThat(
            SchemaCompatibility.checkReaderWriterCompatibility(readerWithNewRequiredField, writer)
                .getType())
        .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
  }

  /** Shared types other schemas refer to by name; they must be parsed first (same order as the pom). */
  private static final List<String> SHARED_FIRST =
      List.of("Payload.avsc", "ErrorInfo.avsc", "RunStatus.avsc", "JournalEntry.avsc");

  private static Map<String, Schema> parseAll(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(p -> p.toString().endsWith(".avsc")).collect(Collectors.toList());
    }
    files.sort(
        Comparator.comparingInt(
                (Path p) -> {
                  int i = SHARED_FIRST.indexOf(p.getFileName().toString());
                  return i < 0 ? SHARED_FIRST.size() : i;
                })
            .thenComparing(Path::toString));
    Schema.Parser parser = new Schema.Parser();
    for (Path file : files) {
      parser.parse(Files.readString(file));
    }
    return parser.getTypes();
  }
}
