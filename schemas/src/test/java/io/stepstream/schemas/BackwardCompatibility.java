package io.stepstream.schemas;

import io.stepstream.schemas.ReleasedSchemas.Released;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaParser;

/**
 * The build's compatibility rule, kept apart from the test so the test can also run it on a broken
 * copy of the schemas and show that it fails.
 *
 * <p>Confluent's BACKWARD rule, checked against every release (its BACKWARD_TRANSITIVE): the current
 * schema as reader, each released version as writer, by Avro's own {@link SchemaCompatibility} (the
 * check a schema registry runs). A schema registry whose subject is BACKWARD compares a new schema
 * with the latest registered version only, so passing here means the registry accepts it too.
 */
final class BackwardCompatibility {
  private BackwardCompatibility() {}

  /** One line per released schema that the schemas in {@code currentDir} can no longer read; empty when none. */
  static List<String> problems(Path currentDir, ReleasedSchemas released) throws IOException {
    Map<String, Schema> current = parseFiles(currentDir);
    List<String> problems = new ArrayList<>();
    for (Released old : released.all()) {
      Schema reader = current.get(old.fullName());
      if (reader == null) {
        problems.add(old.fullName() + " (released in " + old.version() + ") was removed;"
            + " data of this type written by that release could no longer be read");
        continue;
      }
      var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, old.schema());
      if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
        List<String> details = new ArrayList<>();
        for (SchemaCompatibility.Incompatibility i : result.getResult().getIncompatibilities()) {
          details.add(fieldPath(reader, i.getLocation()) + ": " + i.getType() + ", " + i.getMessage());
        }
        problems.add(old.fullName() + " cannot read what " + old.version() + " wrote: " + String.join("; ", details));
      }
    }
    return problems;
  }

  /**
   * Avro's location of an incompatibility ({@code /fields/1/type}) as field names ({@code partition}),
   * so the message says which field to fix. Falls back to the pointer where it cannot follow it.
   */
  static String fieldPath(Schema reader, String pointer) {
    List<String> names = new ArrayList<>();
    Schema at = reader;
    String[] tokens = pointer.split("/");
    for (int i = 1; i < tokens.length; i++) {
      if (at != null && tokens[i].equals("fields") && i + 1 < tokens.length && at.getType() == Schema.Type.RECORD) {
        Schema.Field field = at.getFields().get(Integer.parseInt(tokens[++i]));
        names.add(field.name());
        at = field.schema();
      } else if (at != null && tokens[i].equals("items") && at.getType() == Schema.Type.ARRAY) {
        at = at.getElementType();
      } else if (at != null && tokens[i].equals("values") && at.getType() == Schema.Type.MAP) {
        at = at.getValueType();
      } else if (at != null && at.getType() == Schema.Type.UNION && tokens[i].matches("\\d+")) {
        at = at.getTypes().get(Integer.parseInt(tokens[i]));
      } else if (!tokens[i].equals("type")) {
        at = null; // a pointer this does not follow (e.g. into an enum's symbols)
      }
    }
    return names.isEmpty() ? "at " + pointer : "field " + String.join(".", names) + " (" + pointer + ")";
  }

  /** The main schema of every file in a directory, by full name (files refer to each other by name). */
  static Map<String, Schema> parseFiles(Path dir) throws IOException {
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

  static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> listing = Files.list(dir)) {
      return listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".avsc")).sorted().toList();
    }
  }
}
