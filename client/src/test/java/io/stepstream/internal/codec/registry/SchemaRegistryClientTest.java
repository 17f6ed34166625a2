package io.stepstream.internal.codec.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.internal.codec.registry.SchemaRegistryException.Kind;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Unit tests against a stub HTTP server; the real-registry test is dev-registry's SchemaRegistryIT. */
@Timeout(30)
class SchemaRegistryClientTest {
  private static final Schema SCHEMA =
      SchemaParser.parseSingle(
          "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}");

  private final StubRegistry stub = new StubRegistry();

  @AfterEach
  void stop() {
    stub.close();
  }

  private SchemaRegistryClient client(Map<String, Object> extra) {
    Map<String, Object> props = new HashMap<>(extra);
    props.putIfAbsent("schema.registry.url", stub.url());
    return SchemaRegistryClient.fromProperties(props).orElseThrow();
  }

  private SchemaRegistryClient client() {
    return client(Map.of());
  }

  @Test
  void withoutARegistryUrlThereIsNoClient() {
    assertThat(SchemaRegistryClient.fromProperties(Map.of("bootstrap.servers", "b:9092"))).isEmpty();
    assertThat(SchemaRegistryClient.fromProperties(Map.of("schema.registry.url", " "))).isEmpty();
  }

  @Test
  void registerPostsTheSchemaToTheSubjectsVersionsWithTheConfluentContentType() throws Exception {
    stub.answer(200, "{\"id\":7}");

    int id = client().register("stepstream.results-value", SCHEMA);

    assertThat(id).isEqualTo(7);
    StubRegistry.Seen request = stub.last();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/subjects/stepstream.results-value/versions");
    assertThat(request.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(request.body()).get("schema").asText())
        .isEqualTo(SCHEMA.toString());
  }

  @Test
  void aSchemaRegisteredOnceUnderASubjectIsNotSentAgain() {
    stub.answer(200, "{\"id\":7}");
    SchemaRegistryClient client = client();

    client.register("s-value", SCHEMA);
    client.register("s-value", SchemaParser.parseSingle(SCHEMA.toString())); // equal, not the same object

    assertThat(stub.seen()).hasSize(1);
  }

  @Test
  void theSameSchemaUnderAnotherSubjectIsRegisteredThere() {
    stub.answer(200, "{\"id\":7}");
    SchemaRegistryClient client = client();

    client.register("a-value", SCHEMA);
    client.register("b-value", SCHEMA);

    assertThat(stub.seen()).extracting(StubRegistry.Seen::path)
        .containsExactly("/subjects/a-value/versions", "/subjects/b-value/versions");
  }

  @Test
  void aSubjectIsOnePathSegmentWhateverItHolds() {
    stub.answer(200, "{\"id\":1}");

    client().register("odd/subject name", SCHEMA);

    assertThat(stub.last().path()).isEqualTo("/subjects/odd%2Fsubject%20name/versions");
  }

  @Test
  void anIdIsLookedUpOnceThenServedFromTheCache() {
    stub.answer(200, "{\"schema\":" + quoted(SCHEMA.toString()) + "}");
    SchemaRegistryClient client = client();

    Schema first = client.schemaById(42);
    Schema second = client.schemaById(42);

    assertThat(first).isEqualTo(SCHEMA);
    assertThat(second).isSameAs(first);
    assertThat(stub.seen()).singleElement().satisfies(r -> {
      assertThat(r.method()).isEqualTo("GET");
      assertThat(r.path()).isEqualTo("/schemas/ids/42");
    });
  }

  @Test
  void theIdOfASchemaThisClientRegisteredNeedsNoLookup() {
    stub.answer(200, "{\"id\":9}");
    SchemaRegistryClient client = client();

    client.register("s-value", SCHEMA);

    assertThat(client.schemaById(9)).isEqualTo(SCHEMA);
    assertThat(stub.seen()).hasSize(1);
  }

  @Test
  void threadsRegisteringTheSameSchemaAllGetTheSameId() throws Exception {
    stub.answer(200, "{\"id\":3}");
    SchemaRegistryClient client = client();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Set<Integer> ids = ConcurrentHashMap.newKeySet();
      List<Future<?>> futures = new java.util.ArrayList<>();
      for (int i = 0; i < 32; i++) {
        futures.add(pool.submit(() -> ids.add(client.register("s-value", SCHEMA))));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      assertThat(ids).containsExactly(3);
      assertThat(stub.seen().size()).isBetween(1, 8);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void basicAuthUserInfoIsSentAsAnAuthorizationHeader() {
    stub.answer(200, "{\"id\":1}");

    client(Map.of("basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "engine:s3cret:x"))
        .register("s-value", SCHEMA);

    assertThat(stub.last().authorization()).isEqualTo("Basic " + base64("engine:s3cret:x"));
  }

  @Test
  void theLegacyUserInfoNameAndAKafkaPasswordValueAreUnderstood() {
    stub.answer(200, "{\"id\":1}");

    client(Map.of("schema.registry.basic.auth.user.info", new Password("engine:pw"))).register("s-value", SCHEMA);

    assertThat(stub.last().authorization()).isEqualTo("Basic " + base64("engine:pw"));
  }

  @Test
  void userInfoInTheUrlIsSentAsBasicAuthAndNotInTheUrl() {
    stub.answer(200, "{\"id\":1}");
    String url = stub.url().replace("http://", "http://engine:p%40ss@");

    SchemaRegistryClient client = client(Map.of("schema.registry.url", url));
    client.register("s-value", SCHEMA);

    assertThat(stub.last().authorization()).isEqualTo("Basic " + base64("engine:p@ss"));
    assertThat(client.urls()).singleElement().asString().doesNotContain("engine");
  }

  @Test
  void saslInheritUsesTheKafkaClientsUser() {
    stub.answer(200, "{\"id\":1}");

    client(Map.of(
            "basic.auth.credentials.source", "SASL_INHERIT",
            "sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"engine\" password=\"pw\";"))
        .register("s-value", SCHEMA);

    assertThat(stub.last().authorization()).isEqualTo("Basic " + base64("engine:pw"));
  }

  @Test
  void aStaticBearerTokenIsSentAsABearerAuthorization() {
    stub.answer(200, "{\"id\":1}");

    client(Map.of("bearer.auth.credentials.source", "STATIC_TOKEN", "bearer.auth.token", "tok.en"))
        .register("s-value", SCHEMA);

    assertThat(stub.last().authorization()).isEqualTo("Bearer tok.en");
  }

  @Test
  void withoutCredentialsNoAuthorizationIsSent() {
    stub.answer(200, "{\"id\":1}");

    client().register("s-value", SCHEMA);

    assertThat(stub.last().authorization()).isNull();
  }

  @Test
  void invalidAuthSettingsAreRefusedNamingTheProperty() {
    assertThatThrownBy(() -> client(Map.of("basic.auth.credentials.source", "USER_INFO")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("basic.auth.user.info");
    assertThatThrownBy(() -> client(Map.of("basic.auth.user.info", "nocolon")))
        .hasMessageContaining("user:password");
    assertThatThrownBy(() -> client(Map.of("basic.auth.user.info", "a:b", "bearer.auth.token", "t")))
        .hasMessageContaining("remove one of them");
    assertThatThrownBy(() -> client(Map.of("bearer.auth.credentials.source", "OAUTHBEARER")))
        .hasMessageContaining("STATIC_TOKEN");
    assertThatThrownBy(() -> client(Map.of("schema.registry.url", "registry:8081")))
        .hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> client(Map.of("http.read.timeout.ms", "soon")))
        .hasMessageContaining("http.read.timeout.ms");
  }

  @Test
  void anUnreadableTruststoreIsReportedWithItsProperty() {
    assertThatThrownBy(() -> client(Map.of(
            "schema.registry.ssl.truststore.location", "/no/such/truststore.p12",
            "schema.registry.ssl.truststore.type", "PKCS12")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/no/such/truststore.p12")
        .hasMessageContaining("schema.registry.ssl.truststore.location");
  }

  @Test
  void whenTheFirstUrlRefusesConnectionsTheNextOneIsUsedAndThenPreferred() throws Exception {
    stub.answer(200, "{\"id\":5}");
    String dead = "http://127.0.0.1:" + closedPort();
    SchemaRegistryClient client = client(Map.of("schema.registry.url", dead + "," + stub.url()));

    assertThat(client.register("a-value", SCHEMA)).isEqualTo(5);
    assertThat(client.register("b-value", SCHEMA)).isEqualTo(5);

    assertThat(stub.seen()).hasSize(2);
  }

  @Test
  void aRegistryAnswering503IsSkippedForTheNextUrl() {
    try (StubRegistry unavailable = new StubRegistry().answer(503, "{\"message\":\"leader election\"}")) {
      stub.answer(200, "{\"id\":5}");
      SchemaRegistryClient client = client(Map.of("schema.registry.url", unavailable.url() + "," + stub.url()));

      assertThat(client.register("a-value", SCHEMA)).isEqualTo(5);
    }
  }

  @Test
  void aRequestTheOnlyRegistryDroppedIsSentOnceMoreButOnlyOnceWhenRoundsIsOne() {
    stub.answer(200, "{\"id\":5}").onceFirst(503);
    assertThat(client().register("a-value", SCHEMA)).as("tried twice by default").isEqualTo(5);

    stub.onceFirst(503);
    SchemaRegistryClient single = client(Map.of(SchemaRegistryClient.REQUEST_ROUNDS, "1"));
    assertThatThrownBy(() -> single.register("b-value", SCHEMA))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE));
    assertThatThrownBy(() -> client(Map.of(SchemaRegistryClient.REQUEST_ROUNDS, "0"))).hasMessageContaining("at least 1");
  }

  @Test
  void whenNoUrlAnswersTheErrorNamesEveryUrlTried() throws Exception {
    String a = "http://127.0.0.1:" + closedPort();
    String b = "http://127.0.0.1:" + closedPort();
    SchemaRegistryClient client = client(Map.of("schema.registry.url", a + "," + b));

    assertThatThrownBy(() -> client.register("stepstream.results-value", SCHEMA))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
          assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
          assertThat(e.isRetriable()).isTrue();
        })
        .hasMessageContaining(a)
        .hasMessageContaining(b)
        .hasMessageContaining("stepstream.results-value")
        .hasMessageContaining("schema.registry.url");
  }

  @Test
  void a401NamesTheSubjectAndThePropertiesToSet() {
    stub.answer(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");

    assertThatThrownBy(() -> client().register("stepstream.events-value", SCHEMA))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
        .hasMessageContaining("stepstream.events-value")
        .hasMessageContaining("no credentials")
        .hasMessageContaining("basic.auth.user.info")
        .hasMessageContaining("bearer.auth.token");
  }

  @Test
  void a403NamesTheUserAndTheSubjectButNeverThePassword() {
    stub.answer(403, "{\"error_code\":40301,\"message\":\"User cannot access the resource.\"}");

    assertThatThrownBy(() -> client(Map.of("basic.auth.user.info", "reader:topsecret")).register("s-value", SCHEMA))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_AUTHORIZED))
        .hasMessageContaining("user 'reader'")
        .hasMessageContaining("subject 's-value'")
        .hasMessageContaining("User cannot access the resource.")
        .hasMessageNotContaining("topsecret");
  }

  @Test
  void anIncompatibleSchemaNamesTheSubjectAndTheRegistrysReason() {
    stub.answer(409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible with an earlier schema\"}");

    assertThatThrownBy(() -> client().register("stepstream.results-value", SCHEMA))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
          assertThat(e.kind()).isEqualTo(Kind.INCOMPATIBLE);
          assertThat(e.isRetriable()).isFalse();
        })
        .hasMessageContaining("subject 'stepstream.results-value'")
        .hasMessageContaining("incompatible with an earlier schema")
        .hasMessageContaining("BACKWARD");
  }

  @Test
  void anInvalidSchemaIsRefusedWithTheRegistrysMessage() {
    stub.answer(422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");

    assertThatThrownBy(() -> client().register("s-value", SCHEMA))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID))
        .hasMessageContaining("Invalid schema (error_code 42201)");
  }

  @Test
  void anUnknownIdSaysSoAndWhatToCheck() {
    stub.answer(404, "{\"error_code\":40403,\"message\":\"Schema 999 not found\"}");

    assertThatThrownBy(() -> client().schemaById(999))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNKNOWN_ID))
        .hasMessageContaining("schema id 999")
        .hasMessageContaining("Schema 999 not found");
  }

  @Test
  void aNonAvroSchemaIdIsRefused() {
    stub.answer(200, "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}");

    assertThatThrownBy(() -> client().schemaById(4)).hasMessageContaining("PROTOBUF");
  }

  @Test
  void compatibilityIsSetWithPutAndReadBack() throws Exception {
    stub.answer(200, "{\"compatibility\":\"BACKWARD\"}");
    SchemaRegistryClient client = client();

    assertThat(client.setCompatibility("s-value", "BACKWARD")).isEqualTo("BACKWARD");
    assertThat(stub.last().method()).isEqualTo("PUT");
    assertThat(stub.last().path()).isEqualTo("/config/s-value");
    assertThat(stub.last().body()).isEqualTo("{\"compatibility\":\"BACKWARD\"}");

    stub.answer(200, "{\"compatibilityLevel\":\"BACKWARD\"}");
    assertThat(client.getCompatibility("s-value")).contains("BACKWARD");
    assertThat(stub.last().method()).isEqualTo("GET");
  }

  @Test
  void aSubjectWithoutItsOwnCompatibilityHasNone() {
    stub.answer(404, "{\"error_code\":40408,\"message\":\"Subject 's-value' does not have subject-level compatibility configured\"}");

    assertThat(client().getCompatibility("s-value")).isEmpty();
  }

  @Test
  void theSettingsNeverPrintTheCredentials() {
    RegistrySettings settings = RegistrySettings.from(Map.of("schema.registry.url", "http://u:pw@h:1")).orElseThrow();
    assertThat(settings.toString()).doesNotContain("pw").contains("user 'u'");
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String quoted(String s) {
    return new com.fasterxml.jackson.databind.node.TextNode(s).toString();
  }
}
