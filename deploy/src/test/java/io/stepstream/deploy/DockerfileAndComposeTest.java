package io.stepstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * deploy/docker without Docker: the Dockerfile's instructions, compose.yaml against the Compose
 * Specification's JSON schema, and both against the engine command's contract and each other.
 * DockerEngineIT builds and runs them where Docker exists.
 */
@Timeout(60)
class DockerfileAndComposeTest {
  static final Path DOCKER = Path.of("docker");
  static final Path REPO = Path.of("..");
  static final Path COMPOSE = DOCKER.resolve("compose.yaml");

  final Dockerfile dockerfile = Dockerfile.read(DOCKER.resolve("Dockerfile"));
  final JsonNode compose = Yaml.single(COMPOSE);
  final JsonNode engine = compose.path("services").path("engine");
  final Map<String, String> flags = Engine.flags(strings(engine.path("command")));

  @Test
  void theImageIsTheRunnableJarOnTemurin17RunByANonRootUser() throws Exception {
    assertThat(dockerfile.one("FROM")).isEqualTo("eclipse-temurin:17-jre");
    String user = dockerfile.one("USER").split(":")[0];
    assertThat(Integer.parseInt(user)).as("numeric, non-root").isPositive();
    // the jar the cli module's shade plugin writes
    assertThat(Files.readString(REPO.resolve("cli/pom.xml"))).contains("<finalName>stepstream</finalName>");
    String copy = dockerfile.one("COPY");
    assertThat(copy).startsWith("cli/target/stepstream.jar ");
    String jarInImage = copy.substring(copy.indexOf(' ') + 1).strip();
    assertThat(dockerfile.one("ENTRYPOINT")).isEqualTo("[\"java\", \"-jar\", \"" + jarInImage + "\"]");
    assertThat(Files.readString(DOCKER.resolve("Dockerfile.dockerignore"))).contains("!cli/target/stepstream.jar");
    // nothing that needs BuildKit (Testcontainers builds with the classic builder)
    assertThat(dockerfile.instructions()).allMatch(i -> !i.arguments().startsWith("--chmod") && !i.arguments().startsWith("--mount"));
  }

  @Test
  void theImageExposesTheHttpPortChecksReadinessAndKeepsStateInAVolume() {
    assertThat(dockerfile.one("EXPOSE")).isEqualTo("8080");
    assertThat(dockerfile.one("HEALTHCHECK")).contains("http://127.0.0.1:8080/health/ready").contains("CMD [\"curl\", \"-fsS\"");
    assertThat(dockerfile.one("VOLUME")).isEqualTo("[\"" + flags.get("--state-dir") + "\"]");
  }

  @Test
  void composeYamlIsValidForTheComposeSpecification() throws Exception {
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
    // the schema's $id is relative ("compose_spec.json"): give it the location it is loaded from
    var schema = registry.getSchema(SchemaLocation.of("classpath:schemas/compose-spec/compose-spec.json"));
    var errors = schema.validate(Files.readString(COMPOSE, StandardCharsets.UTF_8), InputFormat.YAML);
    assertThat(errors).as("compose.yaml against the Compose Specification schema").isEmpty();
    assertThat(Yaml.documentsAsYaml12(COMPOSE)).isEqualTo(Yaml.documents(COMPOSE));
  }

  @Test
  void theComposeEngineRunsTheContractCommandAgainstTheComposeBroker() {
    List<String> expected = new ArrayList<>(Engine.FLAGS);
    expected.remove("--command-config"); // plaintext broker: no client properties needed
    assertThat(flags.keySet()).containsExactlyElementsOf(expected);
    JsonNode kafkaEnv = compose.path("services").path("kafka").path("environment");
    assertThat(kafkaEnv.path("KAFKA_ADVERTISED_LISTENERS").asText()).contains("//" + flags.get("--bootstrap-servers"));
    assertThat(kafkaEnv.path("KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
    assertThat(compose.path("services").path("kafka").path("image").asText()).startsWith("apache/kafka:");
    assertThat(engine.path("depends_on").path("kafka").path("condition").asText()).isEqualTo("service_healthy");
    assertThat(compose.path("services").path("kafka").has("healthcheck")).isTrue();
    assertThat(strings(engine.path("ports"))).contains("8080:" + flags.get("--http-bind").split(":")[1]);
    assertThat(strings(engine.path("healthcheck").path("test"))).contains("http://127.0.0.1:8080/health/ready");
  }

  @Test
  void theComposeEngineMountsItsStateWorkflowsAndApprovalSecret() {
    List<String> volumes = strings(engine.path("volumes"));
    assertThat(volumes).contains("engine-state:" + flags.get("--state-dir"));
    assertThat(compose.path("volumes").has("engine-state")).isTrue();
    String workflowsDir = Path.of(flags.get("--workflows")).getParent().toString();
    assertThat(volumes).anyMatch(v -> v.endsWith(":" + workflowsDir + ":ro"));
    assertThat(volumes).contains("./dev-approval-secret:" + flags.get("--approval-secret-file") + ":ro");
    assertThat(DOCKER.resolve("dev-approval-secret")).exists();
    assertThat(engine.path("build").path("dockerfile").asText()).isEqualTo("deploy/docker/Dockerfile");
    assertThat(DOCKER.resolve(engine.path("build").path("context").asText()).resolve("deploy/docker/Dockerfile")).exists();
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
