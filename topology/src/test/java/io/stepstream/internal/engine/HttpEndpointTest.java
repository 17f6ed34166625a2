package io.stepstream.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.internal.http.HttpReply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HttpEndpointTest {
  private final AtomicReference<Health> ready = new AtomicReference<>(Health.down("STARTING", "start() has not completed: creating topics"));
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpEndpoint endpoint;

  @AfterEach
  void close() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  @Test
  void probesAnswerWithTheCheckOfTheMomentAsStatusAndJson() throws Exception {
    endpoint = HttpEndpoint.start("127.0.0.1", 0, () -> Health.up("RUNNING", "processing"), ready::get, () -> "stepstream_up 1.0\n");

    HttpResponse<String> starting = send("GET", "/health/ready");
    ready.set(Health.up("RUNNING", "all tasks running"));
    HttpResponse<String> running = send("GET", "/health/ready");

    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.body()).isEqualTo("{\"status\":\"DOWN\",\"state\":\"STARTING\",\"reason\":\"start() has not completed: creating topics\"}\n");
    assertThat(starting.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(running.statusCode()).isEqualTo(200);
    assertThat(send("GET", "/health/live").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/metrics").body()).isEqualTo("stepstream_up 1.0\n");
    assertThat(send("HEAD", "/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void otherMethodsPathsAndAMissingPrometheusRegistryAreRefusedPlainly() throws Exception {
    endpoint = HttpEndpoint.start("127.0.0.1", 0, () -> Health.up("RUNNING", ""), ready::get, null);

    assertThat(send("POST", "/health/live").statusCode()).isEqualTo(405);
    assertThat(send("GET", "/admin").statusCode()).isEqualTo(404);
    HttpResponse<String> metrics = send("GET", "/metrics");
    assertThat(metrics.statusCode()).isEqualTo(404);
    assertThat(metrics.body()).contains("not a PrometheusMeterRegistry");
  }

  @Test
  void aWriteLabelledAsAFormOrTextIsRefusedSoAnotherSitesPageCannotSendOne() throws Exception {
    endpoint = HttpEndpoint.start("127.0.0.1", 0, () -> Health.up("RUNNING", ""), ready::get, null);
    endpoint.route("/api/things", call -> HttpReply.json(202, java.util.Map.of("done", call.bodyText())));

    HttpResponse<String> form = post("/api/things", "application/x-www-form-urlencoded", "a=1");
    HttpResponse<String> text = post("/api/things", "text/plain", "{}");
    HttpResponse<String> json = post("/api/things", "application/json; charset=utf-8", "{}");

    assertThat(form.statusCode()).isEqualTo(415);
    assertThat(form.body()).contains("Content-Type: application/json");
    assertThat(text.statusCode()).isEqualTo(415);
    assertThat(json.statusCode()).isEqualTo(202);
    assertThat(json.body()).isEqualTo("{\"done\":\"{}\"}");
  }

  @Test
  void aCheckThatThrowsIsA500NotAHangingProbe() throws Exception {
    endpoint = HttpEndpoint.start("127.0.0.1", 0, () -> {
      throw new IllegalStateException("boom");
    }, ready::get, null);

    assertThat(send("GET", "/health/live").statusCode()).isEqualTo(500);
    assertThat(send("GET", "/health/ready").statusCode()).as("the endpoint goes on").isEqualTo(503);
  }

  private HttpResponse<String> post(String path, String contentType, String body) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path);
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path);
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
