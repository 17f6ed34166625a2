package io.stepstream.schemas;

import static io.stepstream.schemas.SchemaRelease.BASELINE;
import static io.stepstream.schemas.SchemaRelease.CURRENT;
import static io.stepstream.schemas.SchemaRelease.NEW_TYPES;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.schemas.ReleasedSchemas.Released;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fails the build when a schema in {@code src/main/avro} can no longer read data written by a
 * released version ({@code baseline/<version>/}, Avro's own reader/writer compatibility rules). Old
 * journals, run states, outcomes and requests must keep decoding after an upgrade. This is also
 * Confluent's BACKWARD rule, the compatibility level the product sets on every registry subject
 * (docs/schema-registry.md), checked against every release rather than the latest only; the tests on
 * broken copies below show the check failing for each public envelope.
 *
 * <p>To change a schema: keep it backward compatible (new fields need defaults, new enum symbols need
 * the enum default). A new schema file must be listed in {@code baseline/new-since-last-release.txt}
 * until it is released. Releasing: {@code schemas/release-schemas vX.Y.Z} (CONTRIBUTING.md).
 */
@Timeout(60)
class SchemaCompatibilityTest {

  @Test
  void everyCurrentSchemaReadsDataWrittenByEveryRelease() throws IOException {
    assertThat(BackwardCompatibility.problems(CURRENT, ReleasedSchemas.inDirectory(BASELINE)))
        .as("backward-incompatible schema changes (Confluent's BACKWARD rule against every release)")
        .isEmpty();
  }

  @Test
  void everyPublicEnvelopeWasReleasedSoItIsHeldToTheRule() throws IOException {
    Set<String> released =
        ReleasedSchemas.inDirectory(BASELINE).all().stream().map(Released::fullName).collect(Collectors.toSet());
    Set<String> current = BackwardCompatibility.parseFiles(CURRENT).keySet();

    assertThat(ReleasedSchemas.PUBLIC_ENVELOPES).allMatch(current::contains).allMatch(released::contains);
  }

  /** A copy of {@code src/main/avro} in which one public envelope gained a field without a default. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("publicEnvelopes")
  void aNewFieldWithoutDefaultInAnyPublicEnvelopeFailsTheCheck(String envelope, @TempDir Path copy)
      throws IOException {
    copyCurrent(copy);
    addField(copy, envelope, "{\"name\": \"addedWithoutDefault\", \"type\": \"string\"},");

    assertThat(BackwardCompatibility.problems(copy, ReleasedSchemas.inDirectory(BASELINE)))
        .anySatisfy(problem -> assertThat(problem)
            .startsWith(envelope + " cannot read what v0.1.0 wrote: field addedWithoutDefault")
            .contains("READER_FIELD_MISSING_DEFAULT_VALUE"));
  }

  @Test
  void aNewFieldWithADefaultPassesTheCheck(@TempDir Path copy) throws IOException {
    copyCurrent(copy);
    addField(copy, "io.stepstream.avro.WorkflowResult",
        "{\"name\": \"addedWithDefault\", \"type\": [\"null\", \"string\"], \"default\": null},");

    assertThat(BackwardCompatibility.problems(copy, ReleasedSchemas.inDirectory(BASELINE))).isEmpty();
  }

  @Test
  void aChangedFieldTypeFailsTheCheck(@TempDir Path copy) throws IOException {
    copyCurrent(copy);
    Path file = copy.resolve("DeadLetter.avsc");
    String text = Files.readString(file);
    String changed = text.replace("{\"name\": \"partition\", \"type\": \"int\"}", "{\"name\": \"partition\", \"type\": \"string\"}");
    assertThat(changed).isNotEqualTo(text);
    Files.writeString(file, changed);

    assertThat(BackwardCompatibility.problems(copy, ReleasedSchemas.inDirectory(BASELINE)))
        .anySatisfy(problem -> assertThat(problem).startsWith("io.stepstream.avro.DeadLetter").contains("partition"));
  }

  @Test
  void aRemovedEnvelopeFailsTheCheck(@TempDir Path copy) throws IOException {
    copyCurrent(copy);
    Files.delete(copy.resolve("Signal.avsc"));

    assertThat(BackwardCompatibility.problems(copy, ReleasedSchemas.inDirectory(BASELINE)))
        .anySatisfy(problem -> assertThat(problem).startsWith("io.stepstream.avro.Signal (released in v0.1.0) was removed"));
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

  static Stream<String> publicEnvelopes() {
    return ReleasedSchemas.PUBLIC_ENVELOPES.stream();
  }

  private static void copyCurrent(Path copy) throws IOException {
    for (String file : fileNames(CURRENT)) {
      Files.copy(CURRENT.resolve(file), copy.resolve(file));
    }
  }

  /** Inserts {@code fieldJson} as the first field of the record {@code fullName} in {@code dir}. */
  private static void addField(Path dir, String fullName, String fieldJson) throws IOException {
    Path file = dir.resolve(fullName.substring(fullName.lastIndexOf('.') + 1) + ".avsc");
    String text = Files.readString(file);
    String changed = text.replaceFirst("\"fields\"\\s*:\\s*\\[", "\"fields\": [" + java.util.regex.Matcher.quoteReplacement(fieldJson));
    assertThat(changed).as("a fields array in " + file).isNotEqualTo(text);
    Files.writeString(file, changed);
  }

  private static List<String> fileNames(Path dir) throws IOException {
    return BackwardCompatibility.fileNames(dir);
  }

  private static Set<String> declaredNew() throws IOException {
    return Files.readAllLines(NEW_TYPES).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .collect(Collectors.toSet());
  }
}
