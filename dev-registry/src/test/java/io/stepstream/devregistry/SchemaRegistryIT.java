package io.stepstream.devregistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.client.Topics;
import io.stepstream.internal.codec.registry.RegistrySubjects;
import io.stepstream.internal.codec.registry.SchemaRegistryClient;
import io.stepstream.internal.codec.registry.SchemaRegistryException;
import io.stepstream.internal.codec.registry.SchemaRegistryException.Kind;
import io.stepstream.schemas.ReleasedSchemas;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry client and Stepstream's public envelopes against a real Confluent-API registry
 * (Apicurio Registry in a child JVM, no auth): the subjects of the issue-11 contract, BACKWARD
 * compatibility, released versions followed by the current ones, and an incompatible change refused.
 */
@Timeout(180)
class SchemaRegistryIT {
  private static final AtomicInteger DEPLOYMENTS = new AtomicInteger();
  private static DevSchemaRegistry registry;

  @BeforeAll
  static void start() {
    long t0 = System.nanoTime();
    registry = DevSchemaRegistry.builder().start();
    System.out.printf("dev registry pid %d up in %d ms at %s%n",
        registry.pid(), (System.nanoTime() - t0) / 1_000_000, registry.url());
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static SchemaRegistryClient client() {
    return SchemaRegistryClient.fromProperties(Map.of("schema.registry.url", registry.url())).orElseThrow();
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
    SchemaRegistryClient client =
        SchemaRegistryClient.fromProperties(Map.of("schema.registry.url", dead + "," + registry.url())).orElseThrow();

    String subject = RegistrySubjects.subjectOf(deployment(), "io.stepstream.avro.Signal");
    int id = client.register(subject, current("io.stepstream.avro.Signal"));

    assertThat(client().schemaById(id)).isEqualTo(current("io.stepstream.avro.Signal"));
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
}
