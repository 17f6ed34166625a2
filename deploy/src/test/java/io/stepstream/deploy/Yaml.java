package io.stepstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads YAML files twice: with a YAML 1.1 parser (SnakeYAML, through Jackson 2: what kubectl's go-yaml
 * v2 resembles: {@code yes}/{@code on} are booleans, {@code 0440} is octal) and with a YAML 1.2
 * parser (SnakeYAML Engine, through Jackson 3, what fabric8 and docker compose's go-yaml v3 read). A
 * document both read the same way means the same to every tool.
 */
final class Yaml {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML_1_1 = new YAMLMapper(new YAMLFactory());
  private static final tools.jackson.dataformat.yaml.YAMLMapper YAML_1_2 = new tools.jackson.dataformat.yaml.YAMLMapper();

  private Yaml() {}

  /** Every document of the file (YAML 1.1 reading), empty documents left out. */
  static List<JsonNode> documents(Path file) {
    try (var parser = YAML_1_1.createParser(file.toFile())) {
      List<JsonNode> docs = new ArrayList<>();
      var it = YAML_1_1.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** The same documents as read by a YAML 1.2 parser, converted to Jackson 2 trees to compare. */
  static List<JsonNode> documentsAsYaml12(Path file) {
    try {
      List<JsonNode> docs = new ArrayList<>();
      try (var it = YAML_1_2.readerFor(tools.jackson.databind.JsonNode.class).readValues(Files.readString(file))) {
        while (it.hasNext()) {
          tools.jackson.databind.JsonNode doc = (tools.jackson.databind.JsonNode) it.next();
          if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
            docs.add(JSON.readTree(doc.toString()));
          }
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  static JsonNode single(Path file) {
    List<JsonNode> docs = documents(file);
    if (docs.size() != 1) {
      throw new IllegalStateException(file + " has " + docs.size() + " YAML documents, expected one");
    }
    return docs.get(0);
  }
}
