package io.stepstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks a custom resource against the openAPIV3Schema of one version of its
 * CustomResourceDefinition, the way the API server treats a structural schema: a field the schema
 * does not declare is an error here (the API server would silently prune it, so a typo would be
 * lost without a word), and so are a wrong type, a missing required field, a value outside its enum,
 * minimum, maximum, length or pattern, and a duplicate key in a list-map.
 *
 * <p>Not evaluated: {@code x-kubernetes-validations} (CEL rules); {@link #celRules()} lists those met,
 * so a test can show which were skipped. {@code format} is checked for int32/int64 only.
 * {@code metadata} is checked only for being an object (the typed ObjectMeta load checks the rest).
 */
final class CrdSchema {
  private final String crd;
  private final String version;
  private final JsonNode schema;
  private final Set<String> celRules = new TreeSet<>();

  private CrdSchema(String crd, String version, JsonNode schema) {
    this.crd = crd;
    this.version = version;
    this.schema = schema;
  }

  /** The schema of {@code version} in the CRD file (a classpath resource). */
  static CrdSchema load(String resource, String version) {
    try (InputStream in = CrdSchema.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no CRD resource " + resource);
      }
      Path tmp = Files.createTempFile("crd", ".yaml");
      try {
        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        JsonNode crd = Yaml.single(tmp);
        for (JsonNode v : crd.path("spec").path("versions")) {
          if (v.path("name").asText().equals(version)) {
            if (!v.path("served").asBoolean()) {
              throw new IllegalStateException(resource + ": version " + version + " is not served");
            }
            return new CrdSchema(crd.path("metadata").path("name").asText(), version, v.path("schema").path("openAPIV3Schema"));
          }
        }
        throw new IllegalStateException(resource + " has no version " + version);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String describe() {
    return crd + "/" + version;
  }

  /** CEL rules met while validating (not evaluated). */
  Set<String> celRules() {
    return celRules;
  }

  /** Every violation, as "path: what". */
  List<String> validate(JsonNode resource) {
    List<String> errors = new ArrayList<>();
    check(schema, resource, "", errors);
    return errors;
  }

  private void check(JsonNode s, JsonNode v, String path, List<String> errors) {
    String at = path.isEmpty() ? "<root>" : path;
    if (s.has("x-kubernetes-validations")) {
      s.get("x-kubernetes-validations").forEach(r -> celRules.add(at + ": " + r.path("rule").asText()));
    }
    if (s.path("x-kubernetes-int-or-string").asBoolean()) {
      if (!v.isIntegralNumber() && !v.isTextual()) {
        errors.add(at + ": must be an integer or a string, is " + v.getNodeType());
      }
    } else if (s.has("anyOf")) {
      boolean any = false;
      for (JsonNode alt : s.get("anyOf")) {
        List<String> altErrors = new ArrayList<>();
        check(alt, v, path, altErrors);
        any |= altErrors.isEmpty();
      }
      if (!any) {
        errors.add(at + ": matches none of anyOf " + s.get("anyOf"));
      }
    }
    if (s.has("type") && !typeMatches(s.get("type").asText(), v)) {
      errors.add(at + ": must be " + s.get("type").asText() + ", is " + v.getNodeType() + " (" + v + ")");
      return;
    }
    if (s.has("enum")) {
      boolean in = false;
      for (JsonNode e : s.get("enum")) {
        in |= e.equals(v);
      }
      if (!in) {
        errors.add(at + ": " + v + " is not one of " + s.get("enum"));
      }
    }
    if (v.isNumber()) {
      BigDecimal n = v.decimalValue();
      if (s.has("minimum") && n.compareTo(s.get("minimum").decimalValue()) < 0) {
        errors.add(at + ": " + v + " is below the minimum " + s.get("minimum"));
      }
      if (s.has("maximum") && n.compareTo(s.get("maximum").decimalValue()) > 0) {
        errors.add(at + ": " + v + " is above the maximum " + s.get("maximum"));
      }
      String format = s.path("format").asText();
      if (format.equals("int32") && !v.canConvertToInt() || format.equals("int64") && !v.canConvertToLong()) {
        errors.add(at + ": " + v + " does not fit " + format);
      }
    }
    if (v.isTextual()) {
      String text = v.asText();
      if (s.has("minLength") && text.length() < s.get("minLength").asInt()) {
        errors.add(at + ": shorter than " + s.get("minLength"));
      }
      if (s.has("maxLength") && text.length() > s.get("maxLength").asInt()) {
        errors.add(at + ": longer than " + s.get("maxLength"));
      }
      if (s.has("pattern") && !Pattern.compile(s.get("pattern").asText()).matcher(text).find()) {
        errors.add(at + ": \"" + text + "\" does not match " + s.get("pattern").asText());
      }
    }
    if (v.isArray()) {
      checkArray(s, v, path, errors);
    }
    if (v.isObject() && !path.equals(".metadata")) {
      checkObject(s, v, path, errors);
    }
  }

  private void checkObject(JsonNode s, JsonNode v, String path, List<String> errors) {
    String at = path.isEmpty() ? "<root>" : path;
    for (JsonNode required : s.path("required")) {
      if (!v.has(required.asText())) {
        errors.add(at + ": missing required field " + required.asText());
      }
    }
    JsonNode properties = s.path("properties");
    JsonNode additional = s.get("additionalProperties");
    boolean preserveUnknown = s.path("x-kubernetes-preserve-unknown-fields").asBoolean();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String child = path + "." + field.getKey();
      if (properties.has(field.getKey())) {
        check(properties.get(field.getKey()), field.getValue(), child, errors);
      } else if (additional != null && additional.isObject()) {
        check(additional, field.getValue(), child, errors);
      } else if (!(additional != null && additional.asBoolean()) && !preserveUnknown) {
        errors.add(child + ": unknown field (not in " + describe() + "; the API server would drop it)");
      }
    }
  }

  private void checkArray(JsonNode s, JsonNode v, String path, List<String> errors) {
    String at = path.isEmpty() ? "<root>" : path;
    if (s.has("minItems") && v.size() < s.get("minItems").asInt()) {
      errors.add(at + ": fewer than " + s.get("minItems") + " items");
    }
    if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) {
      errors.add(at + ": more than " + s.get("maxItems") + " items");
    }
    String listType = s.path("x-kubernetes-list-type").asText();
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      if (s.has("items")) {
        check(s.get("items"), item, path + "[" + i + "]", errors);
      }
      String key = switch (listType) {
        case "set" -> item.toString();
        case "map" -> {
          StringBuilder k = new StringBuilder();
          s.path("x-kubernetes-list-map-keys").forEach(name -> k.append(item.path(name.asText())).append('/'));
          yield k.toString();
        }
        default -> null;
      };
      if (key != null && !keys.add(key)) {
        errors.add(at + "[" + i + "]: duplicate " + ("set".equals(listType) ? "item" : "key " + key) + " in a list-" + listType);
      }
    }
  }

  private static boolean typeMatches(String type, JsonNode v) {
    return switch (type) {
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "integer" -> v.isIntegralNumber();
      case "number" -> v.isNumber();
      case "boolean" -> v.isBoolean();
      default -> throw new IllegalStateException("schema type " + type + " not handled");
    };
  }
}
