package io.stepstream.internal.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.client.Decision;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.Health;
import io.stepstream.internal.engine.HttpEndpoint;
import io.stepstream.internal.http.Caller;
import io.stepstream.internal.http.ClosedAuth;
import io.stepstream.internal.http.DevModeAuth;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpProblem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The console's routes on a real HTTP endpoint (no broker: nothing here reaches Kafka), and decisions as the route builds them. */
@Timeout(30)
class ConsoleRoutesTest {
  private static final Caller VERIFIED = new Caller("alice", List.of("support-leads"), true, "header.payload.signature");
  private static final Caller DEV = new Caller("ada", List.of(), false, null);

  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private HttpEndpoint endpoint;
  private ConsoleRoutes console;

  @AfterEach
  void close() {
    if (console != null) {
      console.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private void serve(HttpAuth auth) {
    endpoint = HttpEndpoint.start("127.0.0.1", 0, () -> Health.up("RUNNING", ""), () -> Health.up("RUNNING", ""), null);
    LiveEvents live = new LiveEvents(Map.of(), "unused.events", bytes -> null, 1);
    console = ConsoleRoutes.mount(endpoint, auth, decision -> {
      throw new IllegalStateException("no client in this test");
    }, live);
  }

  @Test
  void theConsoleIsServedUnderConsoleWithAStrictContentSecurityPolicyAndNothingElseOfTheClasspath() throws Exception {
    serve(new ClosedAuth());

    HttpResponse<String> bare = send("GET", "/console", null, Map.of());
    HttpResponse<String> index = send("GET", "/console/", null, Map.of());
    HttpResponse<String> script = send("GET", "/console/console.js", null, Map.of());
    HttpResponse<String> escape = send("GET", "/console/..%2Fengine%2FStepstream.class", null, Map.of());
    HttpResponse<String> other = send("GET", "/console/logback.xml", null, Map.of());

    assertThat(bare.statusCode()).isEqualTo(302);
    assertThat(bare.headers().firstValue("Location")).hasValue("/console/");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(index.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
        .contains("script-src 'self'").contains("default-src 'none'"));
    assertThat(index.body()).contains("<title>Stepstream console</title>").doesNotContain("http://").doesNotContain("https://");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
    assertThat(script.body()).doesNotContain("innerHTML =").doesNotContain("http://").doesNotContain("https://");
    assertThat(escape.statusCode()).isEqualTo(404);
    assertThat(other.statusCode()).isEqualTo(404);
  }

  @Test
  void whoamiShowsTheDevModeCallerAsAnUnverifiedAdmin() throws Exception {
    serve(new DevModeAuth());

    HttpResponse<String> me = send("GET", "/api/whoami", null, Map.of("X-Stepstream-User", "ada"));

    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.body()).contains("\"name\":\"ada\"").contains("\"verified\":false").contains("\"admin\":true").contains("dev mode");
  }

  @Test
  void withoutAnIdentityProviderOutsideDevModeTheApiRefusesAndSaysHowToTurnItOn() throws Exception {
    serve(new ClosedAuth());

    HttpResponse<String> me = send("GET", "/api/whoami", null, Map.of());
    HttpResponse<String> decision = send("POST", "/api/decisions", "{\"runId\":\"r-1\",\"approvalName\":\"a\",\"approved\":true}", Map.of());
    HttpResponse<String> live = send("GET", "/api/live", null, Map.of());

    for (HttpResponse<String> r : List.of(me, decision, live)) {
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("approverIdentity");
    }
  }

  @Test
  void decisionsAreRefusedWithA400NamingWhatIsWrongOnlyJsonPostsAreAllowed() throws Exception {
    serve(new DevModeAuth());

    Map<String, String> json = Map.of("Content-Type", "application/json");
    HttpResponse<String> notJson = send("POST", "/api/decisions", "approve it", json);
    HttpResponse<String> noRun = send("POST", "/api/decisions", "{\"approvalName\":\"a\",\"approved\":true}", json);
    HttpResponse<String> plainText = send("POST", "/api/decisions", "{\"runId\":\"r\",\"approvalName\":\"a\",\"approved\":true}",
        Map.of("Content-Type", "text/plain"));
    HttpResponse<String> get = send("GET", "/api/decisions", null, Map.of());

    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(notJson.body()).contains("not JSON");
    assertThat(noRun.statusCode()).isEqualTo(400);
    assertThat(noRun.body()).contains("'runId' is required");
    assertThat(plainText.statusCode()).as("a simple cross-site POST is refused").isEqualTo(415);
    assertThat(plainText.body()).contains("Content-Type: application/json");
    assertThat(get.statusCode()).isEqualTo(405);
  }

  @Test
  void anApprovalWithChangesCarriesTheEditedJsonExactlyAndTheVerifiedCallersToken() {
    Decision d = DecisionRoute.decision(json("{\"runId\":\"r-42\",\"approvalName\":\"refund-review\",\"approved\":true,"
        + "\"comment\":\"half\",\"editedPayload\":{\"customer\":\"ada\",\"amount\":12.50}}"), VERIFIED);

    assertThat(d.approved()).isTrue();
    assertThat(d.runId()).isEqualTo("r-42");
    assertThat(d.approvalName()).isEqualTo("refund-review");
    assertThat(d.approver()).isEqualTo("alice");
    assertThat(d.groups()).containsExactly("support-leads");
    assertThat(d.comment()).isEqualTo("half");
    assertThat(d.identityToken()).isEqualTo("header.payload.signature");
    assertThat(new String(PayloadCodec.encode(d.edited()).getData().array(), StandardCharsets.UTF_8))
        .isEqualTo("{\"customer\":\"ada\",\"amount\":12.50}");
  }

  @Test
  void aRejectionTakesTheCommentAsItsReasonAndAnUnverifiedCallerSendsNoToken() {
    Decision d = DecisionRoute.decision(json("{\"runId\":\"r-42\",\"approvalName\":\"refund-review\",\"approved\":false,"
        + "\"comment\":\"fraud suspected\",\"editedPayload\":null}"), DEV);

    assertThat(d.approved()).isFalse();
    assertThat(d.reason()).isEqualTo("fraud suspected");
    assertThat(d.approver()).isEqualTo("ada");
    assertThat(d.identityToken()).isNull();
    assertThat(d.edited()).isNull();
  }

  @Test
  void aRejectionWithAnEditedPayloadOrANonBooleanApprovedIsRefused() {
    assertThatThrownBy(() -> DecisionRoute.decision(json("{\"runId\":\"r\",\"approvalName\":\"a\",\"approved\":false,\"editedPayload\":{}}"), DEV))
        .isInstanceOf(HttpProblem.class).hasMessageContaining("a rejection has no edited payload");
    assertThatThrownBy(() -> DecisionRoute.decision(json("{\"runId\":\"r\",\"approvalName\":\"a\",\"approved\":\"yes\"}"), DEV))
        .isInstanceOf(HttpProblem.class).hasMessageContaining("'approved' must be true or false");
  }

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private HttpResponse<String> send(String method, String path, String body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
