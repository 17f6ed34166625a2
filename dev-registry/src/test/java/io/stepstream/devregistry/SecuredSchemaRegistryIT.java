package io.stepstream.devregistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.client.Topics;
import io.stepstream.internal.codec.registry.RegistrySubjects;
import io.stepstream.internal.codec.registry.SchemaRegistryClient;
import io.stepstream.internal.codec.registry.SchemaRegistryException;
import io.stepstream.internal.codec.registry.SchemaRegistryException.Kind;
import io.stepstream.avro.WorkflowResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's basic auth and TLS settings against a real registry that requires them: Apicurio with
 * Quarkus' embedded users (basic auth on every call) and HTTPS with a self-signed certificate for
 * {@code localhost} made by keytool.
 */
@Timeout(180)
class SecuredSchemaRegistryIT {
  private static final String SUBJECT =
      RegistrySubjects.subjectOf(Topics.withPrefix("secured"), "io.stepstream.avro.WorkflowResult");

  @TempDir static Path dir;
  private static DevSchemaRegistry registry;
  private static Path truststore;

  @BeforeAll
  static void start() throws Exception {
    Path keystore = dir.resolve("registry.p12");
    truststore = dir.resolve("truststore.p12");
    keytool("-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit");
    Path cert = dir.resolve("registry.pem");
    keytool("-exportcert", "-rfc", "-alias", "registry", "-keystore", keystore.toString(), "-storepass", "changeit",
        "-file", cert.toString());
    keytool("-importcert", "-noprompt", "-alias", "registry", "-file", cert.toString(),
        "-storetype", "PKCS12", "-keystore", truststore.toString(), "-storepass", "trustpw");

    registry = DevSchemaRegistry.builder().basicAuth("engine", "engine-secret").tls(keystore, "changeit").start();
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static SchemaRegistryClient client(String url, Map<String, String> extra) {
    Map<String, String> props = new HashMap<>(extra);
    props.put("schema.registry.url", url);
    return SchemaRegistryClient.fromProperties(props).orElseThrow();
  }

  private static Map<String, String> tls() {
    return Map.of(
        "schema.registry.ssl.truststore.location", truststore.toString(),
        "schema.registry.ssl.truststore.password", "trustpw",
        "schema.registry.ssl.truststore.type", "PKCS12");
  }

  @Test
  void withTheUsersCredentialsOverTlsRegistrationAndLookupWork() {
    Map<String, String> props = new HashMap<>(tls());
    props.put("basic.auth.credentials.source", "USER_INFO");
    props.put("basic.auth.user.info", "engine:engine-secret");
    SchemaRegistryClient client = client(registry.httpsUrl().orElseThrow(), props);

    int id = client.register(SUBJECT, WorkflowResult.getClassSchema());
    client.setCompatibility(SUBJECT, "BACKWARD");

    assertThat(client(registry.httpsUrl().orElseThrow(), props).schemaById(id))
        .isEqualTo(WorkflowResult.getClassSchema());
    assertThat(client.getCompatibility(SUBJECT)).contains("BACKWARD");
  }

  @Test
  void withoutCredentialsTheErrorNamesTheSubjectAndTheProperty() {
    SchemaRegistryClient client = client(registry.url(), Map.of());

    assertThatThrownBy(() -> client.register(SUBJECT, WorkflowResult.getClassSchema()))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
        .hasMessageContaining("HTTP 401")
        .hasMessageContaining("subject '" + SUBJECT + "'")
        .hasMessageContaining("basic.auth.user.info");
  }

  @Test
  void aWrongPasswordIsRefused() {
    SchemaRegistryClient client = client(registry.url(), Map.of("basic.auth.user.info", "engine:guess"));

    assertThatThrownBy(() -> client.register(SUBJECT, WorkflowResult.getClassSchema()))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
        .hasMessageContaining("user 'engine'")
        .hasMessageNotContaining("guess");
  }

  @Test
  void overTlsWithoutTrustingTheRegistrysCertificateNoCallGoesThrough() {
    String url = registry.httpsUrl().orElseThrow();
    SchemaRegistryClient client = client(url, Map.of("basic.auth.user.info", "engine:engine-secret"));

    assertThatThrownBy(() -> client.schemaById(1))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
        .hasMessageContaining(url)
        .hasMessageContaining("SSLHandshakeException");
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("keytool " + String.join(" ", args) + ": " + out).isZero();
  }
}
