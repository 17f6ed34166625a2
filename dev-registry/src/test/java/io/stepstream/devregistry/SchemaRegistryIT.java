package io.stepstream.devregistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.avro.WorkflowResult;
import io.stepstream.client.Topics;
import io.stepstream.internal.codec.registry.RegistrySubjects;
import io.stepstream.internal.codec.registry.SchemaRegistryClient;
import io.stepstream.internal.codec.registry.SchemaRegistryException;
import io.stepstream.internal.codec.registry.SchemaRegistryException.Kind;
import io.stepstream.schemas.ReleasedSchemas;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client and Stepstream's public envelopes against a real Confluent-API registry
 * (Apicurio Registry in a child JVM): the subjects of the issue-11 contract, BACKWARD compatibility,
 * released versions followed by the current ones, an incompatible change refused, and the client's
 * basic auth and TLS settings. One server for all of it (a start costs 5-20 s here), configured as a
 * secured production registry would be: basic auth required on every call (Quarkus' embedded users)
 * and HTTPS with a self-signed certificate for {@code localhost} made by keytool; plain HTTP stays on
 * for the tests that are not about TLS.
 */
@Timeout(180)
class SchemaRegistryIT {
  private static final AtomicInteger DEPLOYMENTS = new AtomicInteger();
  private static final String USER_INFO = "engine:engine-secret";

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

    long t0 = System.nanoTime();
    registry = DevSchemaRegistry.builder().basicAuth("engine", "engine-secret").tls(keystore, "changeit").start();
    System.out.printf("dev registry pid %d up in %d ms at %s%n",
        registry.pid(), (System.nanoTime() - t0) / 1_000_000, registry.url());
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  /** A client with the registry's credentials over plain HTTP. */
  private static SchemaRegistryClient client() {
    return client(registry.url(), Map.of("basic.auth.user.info", USER_INFO));
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

  /** A fresh deployment prefix per test: the registry is shared by the class. */
  private static Topics deployment() {
    return Topics.withPrefix("it" + DEPLOYMENTS.incrementAndGet());
  }

  private static Schema current(String fullName) throws ClassNotFoundException {
    return SpecificData.get().getSchema(Class.forName(fullName));
  }

  @Test
  void everyPublicEnvelopeRegistersUnderItsSubjectWithBackwardCompatibility() throws Exception {
    Topics topics = deployment();
    SchemaRegistryClient writer = client();
    Map<String, Integer> ids = new java.util.LinkedHashMap<>();

    for (String type : RegistrySubjects.PUBLIC_ENVELOPES) {
      String subject = RegistrySubjects.subjectOf(topics, type);
      ids.put(type, writer.register(subject, current(type)));
      assertThat(writer.setCompatibility(subject, RegistrySubjects.COMPATIBILITY)).isEqualTo("BACKWARD");
    }

    SchemaRegistryClient reader = client(); // empty caches: every answer comes from the server
    for (String type : RegistrySubjects.PUBLIC_ENVELOPES) {
      String subject = RegistrySubjects.subjectOf(topics, type);
      assertThat(reader.getCompatibility(subject)).as(subject).contains("BACKWARD");
      assertThat(reader.schemaById(ids.get(type))).as(type).isEqualTo(current(type));
    }
    assertThat(ids.values()).as("one id per distinct schema").doesNotHaveDuplicates();
  }

  @Test
  void registeringTheSameSchemaAgainGivesTheSameId() throws Exception {
    String subject = RegistrySubjects.subjectOf(deployment(), "io.stepstream.avro.WorkflowResult");
    Schema schema = current("io.stepstream.avro.WorkflowResult");

    int first = client().register(subject, schema);
    int second = client().register(subject, schema);

    assertThat(second).isEqualTo(first);
  }

  @Test
  void everyReleasedVersionThenTheCurrentOneIsAcceptedUnderBackward() throws Exception {
    Topics topics = deployment();
    SchemaRegistryClient client = client();
    ReleasedSchemas released = ReleasedSchemas.onClasspath();
    assertThat(released.versions()).isNotEmpty();

    List<String> registered = new ArrayList<>();
    for (String type : RegistrySubjects.PUBLIC_ENVELOPES) {
      String subject = RegistrySubjects.subjectOf(topics, type);
      client.setCompatibility(subject, RegistrySubjects.COMPATIBILITY);
      for (Schema old : released.writerSchemasOf(type)) {
        client.register(subject, old);
      }
      int currentId = client.register(subject, current(type)); // refused (409) if not BACKWARD compatible
      assertThat(client().schemaById(currentId)).isEqualTo(current(type));
      registered.add(type);
    }
    assertThat(registered).hasSameSizeAs(RegistrySubjects.PUBLIC_ENVELOPES);
  }

  @Test
  void aNewFieldWithADefaultIsABackwardCompatibleChange() throws Exception {
    String subject = RegistrySubjects.subjectOf(deployment(), "io.stepstream.avro.WorkflowResult");
    SchemaRegistryClient client = client();
    Schema schema = current("io.stepstream.avro.WorkflowResult");
    int before = client.register(subject, schema);
    client.setCompatibility(subject, "BACKWARD");

    int after = client.register(subject, withField(schema, SchemaBuilder.builder().stringType(), true));

    assertThat(after).isNotEqualTo(before);
  }

  @Test
  void aNewRequiredFieldIsRefusedWithTheSubjectAndTheRegistrysReason() throws Exception {
    String subject = RegistrySubjects.subjectOf(deployment(), "io.stepstream.avro.WorkflowResult");
    SchemaRegistryClient client = client();
    Schema schema = current("io.stepstream.avro.WorkflowResult");
    client.register(subject, schema);
    client.setCompatibility(subject, "BACKWARD");

    Schema broken = withField(schema, SchemaBuilder.builder().stringType(), false);

    assertThatThrownBy(() -> client.register(subject, broken))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INCOMPATIBLE))
        .hasMessageContaining("subject '" + subject + "'")
        .hasMessageContaining("HTTP 409")
        .hasMessageContaining("addedWithoutDefault"); // the registry's own words name the field
  }

  @Test
  void anUnknownIdIsReportedAsSuch() {
    assertThatThrownBy(() -> client().schemaById(987_654))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNKNOWN_ID))
        .hasMessageContaining("987654");
  }

  @Test
  void aDeadUrlBeforeTheRegistryIsSkipped() throws Exception {
    String dead = "http://127.0.0.1:" + closedPort() + DevSchemaRegistry.CCOMPAT_PATH;
    SchemaRegistryClient client = client(dead + "," + registry.url(), Map.of("basic.auth.user.info", USER_INFO));

    String subject = RegistrySubjects.subjectOf(deployment(), "io.stepstream.avro.Signal");
    int id = client.register(subject, current("io.stepstream.avro.Signal"));

    assertThat(client().schemaById(id)).isEqualTo(current("io.stepstream.avro.Signal"));
  }

  @Test
  void withTheUsersCredentialsOverTlsRegistrationAndLookupWork() {
    String subject = RegistrySubjects.subjectOf(deployment(), "io.stepstream.avro.WorkflowResult");
    Map<String, String> props = new HashMap<>(tls());
    props.put("basic.auth.credentials.source", "USER_INFO");
    props.put("basic.auth.user.info", USER_INFO);
    SchemaRegistryClient client = client(registry.httpsUrl().orElseThrow(), props);

    int id = client.register(subject, WorkflowResult.getClassSchema());
    client.setCompatibility(subject, "BACKWARD");

    assertThat(client(registry.httpsUrl().orElseThrow(), props).schemaById(id))
        .isEqualTo(WorkflowResult.getClassSchema());
    assertThat(client.getCompatibility(subject)).contains("BACKWARD");
  }

  @Test
  void withoutCredentialsTheErrorNamesTheSubjectAndTheProperty() {
    String subject = RegistrySubjects.subjectOf(deployment(), "io.stepstream.avro.WorkflowResult");
    SchemaRegistryClient client = client(registry.url(), Map.of());

    assertThatThrownBy(() -> client.register(subject, WorkflowResult.getClassSchema()))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
        .hasMessageContaining("HTTP 401")
        .hasMessageContaining("subject '" + subject + "'")
        .hasMessageContaining("basic.auth.user.info");
  }

  @Test
  void aWrongPasswordIsRefused() {
    String subject = RegistrySubjects.subjectOf(deployment(), "io.stepstream.avro.WorkflowResult");
    SchemaRegistryClient client = client(registry.url(), Map.of("basic.auth.user.info", "engine:guess"));

    assertThatThrownBy(() -> client.register(subject, WorkflowResult.getClassSchema()))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
        .hasMessageContaining("user 'engine'")
        .hasMessageNotContaining("guess");
  }

  @Test
  void overTlsWithoutTrustingTheRegistrysCertificateNoCallGoesThrough() {
    String url = registry.httpsUrl().orElseThrow();
    SchemaRegistryClient client = client(url, Map.of("basic.auth.user.info", USER_INFO));

    assertThatThrownBy(() -> client.schemaById(1))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
        .hasMessageContaining(url)
        .hasMessageContaining("SSLHandshakeException");
  }

  /** A copy of {@code schema} with one more field, {@code addedWithoutDefault} or {@code addedWithDefault}. */
  static Schema withField(Schema schema, Schema type, boolean withDefault) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : schema.getFields()) {
      fields.add(new Schema.Field(f, f.schema()));
    }
    fields.add(withDefault
        ? new Schema.Field("addedWithDefault", type, null, "none")
        : new Schema.Field("addedWithoutDefault", type, null));
    Schema copy = Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    return copy;
  }

  static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
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
