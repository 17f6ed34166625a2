package io.stepstream.internal.codec.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.internal.codec.registry.SchemaRegistryException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.SchemaParser;

/**
 * A client of the Confluent Schema Registry REST API (the subset the wire format needs), usable
 * against Confluent's registry, Apicurio Registry's {@code /apis/ccompat/v7} and other servers of
 * that API. JDK HTTP client only.
 *
 * <pre>{@code
 * SchemaRegistryClient registry =
 *     SchemaRegistryClient.fromProperties(kafkaProperties).orElseThrow(); // needs schema.registry.url
 * int id = registry.register("stepstream.results-value", WorkflowResult.getClassSchema());
 * registry.setCompatibility("stepstream.results-value", "BACKWARD");
 * Schema writer = registry.schemaById(id); // what a reader does with the 4 bytes after the 0x00
 * }</pre>
 *
 * <p>Both directions are cached for the life of the client: a schema registered once under a subject
 * is not sent again, and an id is looked up once (ids are immutable in the registry, so the cache is
 * never stale). The caches grow with the number of distinct schemas, a few dozen here. Thread-safe;
 * two threads missing the cache at once may both ask the registry, and get the same answer.
 *
 * <p>Failover: {@code schema.registry.url} may list several URLs; a call tries them in turn on a
 * connection failure, a timeout or a 502/503/504, starting with the one that last answered. Every
 * other HTTP error is the registry's answer and is not retried (see {@link SchemaRegistryException}).
 */
public final class SchemaRegistryClient {
  /** How many times each URL is tried before a call gives up (default 2); see {@link RegistrySettings#ROUNDS}. */
  public static final String REQUEST_ROUNDS = RegistrySettings.ROUNDS;

  /** Content type of the Confluent API (Apicurio's ccompat API accepts it too). */
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistrySettings settings;
  private final HttpClient http;
  private final AtomicInteger preferred = new AtomicInteger();
  private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

  SchemaRegistryClient(RegistrySettings settings) {
    this.settings = settings;
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER);
    settings.sslContext().ifPresent(builder::sslContext);
    this.http = builder.build();
  }

  /**
   * A client for the registry the properties name, or empty when they have no {@code
   * schema.registry.url}. The properties are Kafka client properties with Confluent's names for the
   * registry settings (docs/schema-registry.md lists them).
   *
   * @throws IllegalArgumentException naming the property when a registry setting is invalid
   */
  public static Optional<SchemaRegistryClient> fromProperties(Map<String, ?> properties) {
    return RegistrySettings.from(properties).map(SchemaRegistryClient::new);
  }

  /** The registry's base URLs, without user info, in the order configured. */
  public List<URI> urls() {
    return settings.urls();
  }

  /**
   * Registers {@code schema} under {@code subject} (or finds it registered already) and returns its
   * id. Cached: the same schema under the same subject asks the registry once.
   *
   * @throws SchemaRegistryException {@link Kind#INCOMPATIBLE} when the subject's compatibility rule
   *     refuses it, {@link Kind#NOT_AUTHORIZED}, {@link Kind#UNREACHABLE}, ...
   */
  public int register(String subject, Schema schema) {
    Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    Integer cached = ids.get(schema);
    if (cached != null) {
      return cached;
    }
    ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
    String what = "registering " + schema.getFullName() + " under subject '" + subject + "'";
    JsonNode answer = call("POST", "/subjects/" + segment(subject) + "/versions", body, what, subject);
    if (!answer.path("id").canConvertToInt()) {
      throw unexpected(what, "an answer without an id: " + answer);
    }
    int id = answer.get("id").intValue();
    ids.putIfAbsent(schema, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  /**
   * The Avro schema registered with {@code id}, parsed. Cached.
   *
   * @throws SchemaRegistryException {@link Kind#UNKNOWN_ID} when the registry has no such id
   */
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    String what = "looking up schema id " + id;
    JsonNode answer = call("GET", "/schemas/ids/" + id, null, what, null);
    String type = answer.path("schemaType").asText("AVRO");
    if (!type.equalsIgnoreCase("AVRO")) {
      throw unexpected(what, "a " + type + " schema; Stepstream records are framed with Avro schemas only");
    }
    if (answer.path("references").size() > 0) {
      throw unexpected(what, "a schema with references, which Stepstream's envelopes never use");
    }
    String text = answer.path("schema").asText(null);
    if (text == null) {
      throw unexpected(what, "an answer without a schema: " + answer);
    }
    Schema schema;
    try {
      schema = SchemaParser.parseSingle(text);
    } catch (SchemaParseException e) {
      throw unexpected(what, "a schema that is not valid Avro (" + e.getMessage() + ")");
    }
    Schema raced = schemasById.putIfAbsent(id, schema);
    return raced == null ? schema : raced;
  }

  /**
   * Sets the subject's compatibility level ({@code BACKWARD}, {@code FULL}, ...) and returns the level
   * the registry confirms.
   */
  public String setCompatibility(String subject, String level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level);
    String what = "setting the compatibility of subject '" + subject + "' to " + level;
    JsonNode answer = call("PUT", "/config/" + segment(subject), body, what, subject);
    return answer.path("compatibility").asText(level);
  }

  /**
   * The subject's compatibility level, or empty when the registry has none for it (Confluent answers
   * 404 then; Apicurio answers its global default).
   */
  public Optional<String> getCompatibility(String subject) {
    String what = "reading the compatibility of subject '" + subject + "'";
    Optional<JsonNode> answer =
        callAllowingNotFound("GET", "/config/" + segment(subject), what, subject);
    return answer.map(a -> a.path("compatibilityLevel").asText(a.path("compatibility").asText(null)));
  }

  @Override
  public String toString() {
    return "SchemaRegistryClient" + settings.urls();
  }

  private JsonNode call(String method, String path, JsonNode body, String what, String subject) {
    HttpResponse<String> response = send(method, path, body, what);
    int status = response.statusCode();
    if (status / 100 == 2) {
      return parse(response, what);
    }
    throw failure(response, what, subject);
  }

  private Optional<JsonNode> callAllowingNotFound(String method, String path, String what, String subject) {
    HttpResponse<String> response = send(method, path, null, what);
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() / 100 == 2) {
      return Optional.of(parse(response, what));
    }
    throw failure(response, what, subject);
  }

  /** Tries each URL in turn, from the one that last answered, until one answers; all of them {@code rounds} times at most. */
  private HttpResponse<String> send(String method, String path, JsonNode body, String what) {
    List<URI> urls = settings.urls();
    int start = preferred.get();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < urls.size() * settings.rounds(); i++) {
      int index = (start + i) % urls.size();
      URI uri = URI.create(urls.get(index) + path);
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri).timeout(settings.requestTimeout()).header("Accept", ACCEPT);
      settings.authorization().ifPresent(a -> request.header("Authorization", a));
      if (body == null) {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        request.header("Content-Type", CONTENT_TYPE)
            .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
      }
      try {
        HttpResponse<String> response =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        int status = response.statusCode();
        if (status == 502 || status == 503 || status == 504) {
          failures.add(urls.get(index) + " (HTTP " + status + ")");
          continue;
        }
        preferred.set(index);
        return response;
      } catch (IOException e) {
        failures.add(urls.get(index) + " (" + describe(e) + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException(Kind.UNREACHABLE, "interrupted while " + what, e);
      }
    }
    throw new SchemaRegistryException(
        Kind.UNREACHABLE,
        "the schema registry did not answer while " + what + ": tried " + String.join(", ", failures)
            + ". Check that it is running and that " + RegistrySettings.URL + " names it"
            + " (for Apicurio Registry the base URL ends in /apis/ccompat/v7)");
  }

  private SchemaRegistryException failure(HttpResponse<String> response, String what, String subject) {
    int status = response.statusCode();
    String message = registryMessage(response);
    String where = " (" + response.uri() + ", HTTP " + status + "): " + message;
    String on = subject == null ? "" : " on subject '" + subject + "'";
    switch (status) {
      case 401:
        return new SchemaRegistryException(
            Kind.NOT_AUTHORIZED,
            "the schema registry refused " + what + " without valid credentials (sent "
                + settings.credentialsDescription() + ")" + where + ". Set " + RegistrySettings.BASIC_SOURCE
                + "=USER_INFO with " + RegistrySettings.USER_INFO + "=user:password, or "
                + RegistrySettings.BEARER_SOURCE + "=STATIC_TOKEN with " + RegistrySettings.BEARER_TOKEN
                + ", in the Kafka client properties");
      case 403:
        return new SchemaRegistryException(
            Kind.NOT_AUTHORIZED,
            "the schema registry does not allow " + settings.credentialsDescription() + " " + what + where
                + ". Grant that principal access" + on + ", or set " + RegistrySettings.USER_INFO + " / "
                + RegistrySettings.BEARER_TOKEN + " to credentials that have it");
      case 409:
        return new SchemaRegistryException(
            Kind.INCOMPATIBLE,
            "the schema registry refused " + what + ": it is incompatible with the versions registered"
                + on + " under the subject's compatibility rule" + where
                + ". A Stepstream schema change must be BACKWARD compatible (new fields with defaults);"
                + " check the subject's versions and compatibility level");
      case 422:
        return new SchemaRegistryException(Kind.INVALID, "the schema registry refused " + what + " as invalid" + where);
      case 404:
        if (subject == null) {
          return new SchemaRegistryException(
              Kind.UNKNOWN_ID,
              "the schema registry has no such schema while " + what + where + ". The record was framed"
                  + " by a writer using another registry (or the schema was deleted): point "
                  + RegistrySettings.URL + " at the registry the writers use");
        }
        return unexpected(what, "HTTP 404 from " + response.uri() + ": " + message
            + " (is the base URL right? for Apicurio Registry it ends in /apis/ccompat/v7)");
      default:
        return unexpected(what, "HTTP " + status + " from " + response.uri() + ": " + message);
    }
  }

  private static SchemaRegistryException unexpected(String what, String answer) {
    return new SchemaRegistryException(Kind.UNEXPECTED, "the schema registry answered " + what + " with " + answer);
  }

  private static JsonNode parse(HttpResponse<String> response, String what) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw unexpected(what, "a body that is not JSON from " + response.uri() + ": " + abbreviate(response.body()));
    }
  }

  /** The registry's {@code message} (Confluent and Apicurio both answer {error_code, message}). */
  private static String registryMessage(HttpResponse<String> response) {
    String body = response.body() == null ? "" : response.body();
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null && node.hasNonNull("message")) {
        String code = node.hasNonNull("error_code") ? " (error_code " + node.get("error_code").asText() + ")" : "";
        return node.get("message").asText() + code;
      }
    } catch (IOException e) {
      // not JSON: show the raw body
    }
    return body.isBlank() ? "no message" : abbreviate(body);
  }

  private static String describe(IOException e) {
    String type = e.getClass().getSimpleName();
    return e.getMessage() == null ? type : type + ": " + e.getMessage();
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }

  /** A subject as one URL path segment (subjects hold dots, dashes, sometimes slashes). */
  private static String segment(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
