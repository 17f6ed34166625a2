package io.stepstream.schemas;

import static io.stepstream.schemas.SchemaRelease.BASELINE;
import static io.stepstream.schemas.SchemaRelease.CURRENT;
import static io.stepstream.schemas.SchemaRelease.NEW_TYPES;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.schemas.ReleasedSchemas.Released;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fails the build when a schema in {@code src/main/avro} can no longer read data written by a
 * released version ({@code baseline/<version>/}, Avro's own reader/writer compatibility rules). Old
 * journals, run states, outcomes and requests must keep decoding after an upgrade.
 *
 * <p>To change a schema: keep it backward compatible (new fields need defaults, new enum symbols need
 * the enum default). A new schema file must be listed in {@code baseline/new-since-last-release.txt}
 * until it is released. Releasing: {@code schemas/release-schemas vX.Y.Z} (CONTRIBUTING.md).
 */
@Timeout(60)
class SchemaCompatibilityTest {

  @Test
  void everyCurrentSchemaReadsDataWrittenByEveryRelease() throws IOException {
    Map<String, Schema> current = parseFiles(CURRENT);

    List<String> problems = new ArrayList<>();
    for (Released released : ReleasedSchemas.inDirectory(BASELINE).all()) {
      Schema reader = current.get(released.fullName());
      if (reader == null) {
        problems.add(released.fullName() + " (released in " + released.version() + ") was removed;"
            + " data of this type written by that release could no longer be read");
        continue;
      }
      var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, released.schema());
      if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
        problems.add(released.fullName() + " cannot read what " + released.version() + " wrote: "
            + result.getResult().getIncompatibilities());
      }
    }
    assertThat(problems).as("backward-incompatible schema changes").isEmpty();
  }

  @Test
  void everyCurrentSchemaFileWasReleasedOrIsDeclaredNew() throws IOException {
    ReleasedSchemas released = ReleasedSchemas.inDirectory(BASELINE);
    String latest = released.versions().get(released.versions().size() - 1);
    Set<String> inLatest =
        released.all().stream()
            .filter(r -> r.version().equals(latest))
            .map(r -> Path.of(r.path()).getFileName().toString())
            .collect(Collectors.toSet());
    Set<String> declaredNew = declaredNew();

    Set<String> undeclared = new TreeSet<>(fileNames(CURRENT));
    undeclared.removeAll(inLatest);
    undeclared.removeAll(declaredNew);
    assertThat(undeclared)
        .as("schemas that are in no release (latest " + latest + "); list each in " + NEW_TYPES
            + " so it is added on purpose")
        .isEmpty();
    assertThat(declaredNew)
        .as(NEW_TYPES + " lists files that are released already or no longer exist")
        .doesNotContainAnyElementsOf(inLatest)
        .allMatch(fileNames(CURRENT)::contains);
  }

  @Test
  void theFirstReleaseHoldsEveryEnvelopeItShipped() {
    Set<String> v010 =
        ReleasedSchemas.inDirectory(BASELINE).all().stream()
            .filter(r -> r.version().equals("v0.1.0"))
            .map(Released::fullName)
            .collect(Collectors.toSet());
    assertThat(v010)
        .containsExactlyInAnyOrder(
            "io.stepstream.avro.ApprovalDecision",
            "io.stepstream.avro.ApprovalRequest",
            "io.stepstream.avro.AuditEvent",
            "io.stepstream.avro.DeadLetter",
            "io.stepstream.avro.ErrorInfo",
            "io.stepstream.avro.JournalEntry",
            "io.stepstream.avro.Payload",
            "io.stepstream.avro.RunCommand",
            "io.stepstream.avro.RunState",
            "io.stepstream.avro.RunStatus",
            "io.stepstream.avro.Signal",
            "io.stepstream.avro.StepOutcome",
            "io.stepstream.avro.WorkflowRequest",
            "io.stepstream.avro.WorkflowResult");
  }

  @Test
  void anIncompatibleChangeIsDetected() {
    Schema writer =
        SchemaParser.parseSingle("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}");
    Schema readerWithNewRequiredField =
        SchemaParser.parseSingle(
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},"
                + "{\"name\":\"b\",\"type\":\"int\"}]}");
    assertThat(
            SchemaCompatibility.checkReaderWriterCompatibility(readerWithNewRequiredField, writer)
                .getType())
        .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
  }

  /** The main schema of every file in a directory, by full name (files refer to each other by name). */
  private static Map<String, Schema> parseFiles(Path dir) throws IOException {
    SchemaParser parser = new SchemaParser();
    List<SchemaParser.ParseResult> results = new ArrayList<>();
    for (String file : fileNames(dir)) {
      results.add(parser.parse(dir.resolve(file)));
    }
    Map<String, Schema> byName = new LinkedHashMap<>();
    for (SchemaParser.ParseResult result : results) {
      Schema schema = parser.resolve(result);
      byName.put(schema.getFullName(), schema);
    }
    return byName;
  }

  private static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> listing = Files.list(dir)) {
      return listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".avsc")).sorted().toList();
    }
  }

  private static Set<String> declaredNew() throws IOException {
    return Files.readAllLines(NEW_TYPES).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .collect(Collectors.toSet());
  }
}
