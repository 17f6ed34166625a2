package io.stepstream.internal.connect;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * POSTs messages to the webhook with {@link HttpClient} and sorts the answers: a 2xx is delivered; no answer, a
 * timeout, HTTP 408, 425, 429 and 5xx may pass and are retried; any other status (a 4xx, a redirect, which is not
 * followed) will not pass by trying again.
 */
public final class Webhook {
  /** What one POST came to. */
  public sealed interface Outcome permits Delivered, Retryable, Refused {}

  /** The webhook took the message; {@code body} may hold a decision. */
  public record Delivered(int status, String body) implements Outcome {}

  /** Worth another try. */
  public record Retryable(String reason) implements Outcome {}

  /** Not worth another try. */
  public record Refused(String reason) implements Outcome {}

  private final URI url;
  private final String bearerToken;
  private final Duration requestTimeout;
  private final String userAgent;
  private final HttpClient http;

  public Webhook(URI url, String bearerToken, Duration connectTimeout, Duration requestTimeout, String userAgent) {
    this.url = url;
    this.bearerToken = bearerToken;
    this.requestTimeout = requestTimeout;
    this.userAgent = userAgent;
    this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  Outcome post(WebhookMessage message) throws InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(url)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", message.idempotencyKey())
        .header("User-Agent", userAgent)
        .POST(HttpRequest.BodyPublishers.ofString(message.body(), StandardCharsets.UTF_8));
    if (bearerToken != null) {
      request.header("Authorization", "Bearer " + bearerToken);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Retryable("no answer from " + url + " (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return new Delivered(status, response.body());
    }
    String answer = url + " answered HTTP " + status + excerpt(response.body());
    if (status == 408 || status == 425 || status == 429 || status >= 500) {
      return new Retryable(answer);
    }
    return new Refused(answer + (status >= 300 && status < 400 ? " (redirects are not followed: set webhook.url to the final address)" : "")
        + "; not retried (a 4xx does not pass by trying again)");
  }

  private static String excerpt(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String oneLine = body.strip().replaceAll("\\s+", " ");
    return ": " + (oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine);
  }
}
