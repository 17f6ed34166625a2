package io.stepstream.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.internal.engine.Health;
import io.stepstream.internal.engine.HttpEndpoint;
import io.stepstream.internal.identity.JwtApproverVerifier;
import io.stepstream.testing.TestIdentityProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** JwtHttpAuth behind a real HTTP endpoint: a route that answers who the caller is, and one that needs an admin. */
@Timeout(30)
class JwtHttpAuthTest {
  private static final TestIdentityProvider IDP = TestIdentityProvider.rsa("rsa-1");
  private static final TestIdentityProvider OTHER_IDP = TestIdentityProvider.rsa("rsa-1");
  private static final Instant NOW = Instant.parse("2026-12-02T07:00:00Z");

  private final HttpClient http = HttpClient.newHttpClient();
  private HttpEndpoint endpoint;

  @AfterEach
  void close() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private void serve(Set<String> adminGroups) {
    JwtApproverVerifier verifier = JwtApproverVerifier.of(IDP.jwks(), TestIdentityProvider.ISSUER, TestIdentityProvider.AUDIENCE,
        "preferred_username", "groups", Duration.ofSeconds(60));
    HttpAuth auth = new JwtHttpAuth(verifier, adminGroups, Clock.fixed(NOW, ZoneOffset.UTC));
    endpoint = HttpEndpoint.start("127.0.0.1", 0, () -> Health.up("RUNNING", ""), () -> Health.up("RUNNING", ""), null);
    endpoint.route("/api/me", call -> {
      Caller c = auth.authenticate(call);
      return HttpReply.json(200, Map.of("name", c.name(), "groups", c.groups(), "verified", c.verified(), "token", c.token()));
    });
    endpoint.route("/api/admin", call -> {
      auth.requireAdmin(auth.authenticate(call));
      return HttpReply.json(200, Map.of("ok", true));
    });
  }

  @Test
  void aValidTokenMakesTheCallerItsVerifiedUserWithGroupsAndKeepsTheTokenForDecisions() throws Exception {
    serve(Set.of("ops"));
    String jwt = IDP.token("alice", NOW, "support-leads", "ops");

    HttpResponse<String> me = get("/api/me", "Bearer " + jwt);

    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.body()).contains("\"name\":\"alice\"").contains("\"verified\":true").contains("[\"support-leads\",\"ops\"]")
        .contains("\"token\":\"" + jwt + "\"");
  }

  @Test
  void noTokenIsA401ThatSaysWhichIssuerAndHowToSendIt() throws Exception {
    serve(Set.of("ops"));

    HttpResponse<String> none = get("/api/me", null);
    HttpResponse<String> basic = get("/api/me", "Basic YWxpY2U6c2VjcmV0");

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.body()).contains("sign in").contains(TestIdentityProvider.ISSUER).contains("Authorization: Bearer <token>");
    assertThat(basic.statusCode()).isEqualTo(401);
    assertThat(basic.body()).contains("not 'Bearer <token>'");
  }

  @Test
  void expiredForgedAndWrongAudienceTokensAreRefusedWithTheReason() throws Exception {
    serve(Set.of("ops"));
    String expired = IDP.sign(IDP.claims("alice", NOW.minus(Duration.ofHours(1))).build());
    String forged = OTHER_IDP.token("alice", NOW);
    String otherApp = IDP.sign(IDP.claims("alice", NOW).audience("another-app").build());

    HttpResponse<String> a = get("/api/me", "Bearer " + expired);
    HttpResponse<String> b = get("/api/me", "Bearer " + forged);
    HttpResponse<String> c = get("/api/me", "Bearer " + otherApp);
    HttpResponse<String> d = get("/api/me", "Bearer not-a-jwt");

    assertThat(a.statusCode()).isEqualTo(401);
    assertThat(a.body()).contains("the identity token expired at");
    assertThat(b.statusCode()).isEqualTo(401);
    assertThat(b.body()).contains("signature that none of the keys");
    assertThat(c.statusCode()).isEqualTo(401);
    assertThat(c.body()).contains("another-app").contains("not 'stepstream'");
    assertThat(d.statusCode()).isEqualTo(401);
    assertThat(d.body()).contains("is not a signed JWT");
  }

  @Test
  void adminOperationsNeedOneOfTheAdminGroups() throws Exception {
    serve(Set.of("ops", "sre"));

    HttpResponse<String> admin = get("/api/admin", "Bearer " + IDP.token("olga", NOW, "sre"));
    HttpResponse<String> user = get("/api/admin", "Bearer " + IDP.token("alice", NOW, "support-leads"));

    assertThat(admin.statusCode()).isEqualTo(200);
    assertThat(user.statusCode()).isEqualTo(403);
    assertThat(user.body()).contains("alice may not run admin operations").contains("[ops, sre]").contains("[support-leads]");
  }

  @Test
  void withoutAdminGroupsAdminOperationsAreOffAndTheMessageSaysHowToTurnThemOn() throws Exception {
    serve(Set.of());

    HttpResponse<String> anyone = get("/api/admin", "Bearer " + IDP.token("olga", NOW, "sre"));

    assertThat(anyone.statusCode()).isEqualTo(403);
    assertThat(anyone.body()).contains("admin operations are off").contains("httpAdminGroups").contains("--http-admin-group");
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path))
        .timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
