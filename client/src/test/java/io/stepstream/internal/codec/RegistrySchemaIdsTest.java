package io.stepstream.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.stepstream.avro.WorkflowResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When the product sets a subject's compatibility: only when it has none of its own (Confluent's
 * 404) or NONE (Apicurio's default). Against a canned HTTP server; the real registry is in
 * RegistryWireFormatIT.
 */
@Timeout(20)
class RegistrySchemaIdsTest {
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile int configStatus = 404;
  private volatile String configBody = "{\"error_code\":40408,\"message\":\"Subject does not have subject-level compatibility configured\"}";
  private final HttpServer server = server();

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aSubjectWithoutALevelOfItsOwnIsSetToBackwardAfterItsFirstRegistration() {
    int id = ids().register("t.results-value", WorkflowResult.getClassSchema());

    assertThat(id).isEqualTo(7);
    assertThat(calls).containsExactly("GET /config/t.results-value", "POST /subjects/t.results-value/versions",
        "PUT /config/t.results-value {\"compatibility\":\"BACKWARD\"}");
  }

  @Test
  void aSubjectAtNoneIsSetToBackwardAndAStricterChoiceIsLeftAlone() {
    configStatus = 200;
    configBody = "{\"compatibilityLevel\":\"NONE\"}";
    ids().register("t.results-value", WorkflowResult.getClassSchema());
    assertThat(calls).contains("PUT /config/t.results-value {\"compatibility\":\"BACKWARD\"}");

    calls.clear();
    configBody = "{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}";
    ids().register("t.results-value", WorkflowResult.getClassSchema());
    assertThat(calls).containsExactly("GET /config/t.results-value", "POST /subjects/t.results-value/versions");
  }

  @Test
  void aRegistryThatDoesNotAnswerIsUnavailableNotBroken() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    SchemaIds down = RegistrySchemaIds.create(Map.of("schema.registry.url", "http://127.0.0.1:" + closedPort));

    assertThatThrownBy(() -> down.register("t.results-value", WorkflowResult.getClassSchema()))
        .isInstanceOf(SchemaIds.RegistryUnavailableException.class)
        .hasMessageContaining("127.0.0.1:" + closedPort);
    assertThatThrownBy(() -> down.schemaById(3)).isInstanceOf(SchemaIds.RegistryUnavailableException.class);
    assertThat(down.url()).isEqualTo("http://127.0.0.1:" + closedPort);
  }

  @Test
  void anUnknownIdIsAnIllegalArgument() {
    assertThatThrownBy(() -> ids().schemaById(404)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no such schema");
  }

  private SchemaIds ids() {
    return RegistrySchemaIds.create(Map.of("schema.registry.url", "http://127.0.0.1:" + server.getAddress().getPort()));
  }

  private HttpServer server() {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      s.createContext("/", exchange -> {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        calls.add(method + " " + path + (method.equals("PUT") ? " " + body : ""));
        int status = 200;
        String answer;
        if (method.equals("GET") && path.startsWith("/config/")) {
          status = configStatus;
          answer = configBody;
        } else if (method.equals("GET") && path.startsWith("/schemas/ids/")) {
          status = 404;
          answer = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
        } else if (method.equals("POST")) {
          answer = "{\"id\":7}";
        } else {
          answer = body;
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
      });
      s.start();
      return s;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
