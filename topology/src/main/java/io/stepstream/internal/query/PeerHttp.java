package io.stepstream.internal.query;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.state.HostInfo;

/**
 * GETs to other engine instances (their {@code application.server} address): single-run queries
 * forwarded to the owner, and list fan-outs. Forwarded calls carry {@link #FORWARDED_HEADER}, so an
 * instance that is not the owner (ownership moved meanwhile) answers 503 instead of forwarding again.
 */
final class PeerHttp {
  static final String FORWARDED_HEADER = "X-Stepstream-Forwarded";
  /** The caller's credentials, passed on so the owner authenticates the same caller. */
  static final String[] PASSED_HEADERS = {"Authorization", "X-Stepstream-User"};
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();

  record Answer(int status, byte[] body, String retryAfter) {}

  CompletableFuture<Answer> get(HostInfo host, String pathAndQuery, Map<String, String> headers, String self) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery))
        .timeout(REQUEST_TIMEOUT)
        .header(FORWARDED_HEADER, self)
        .GET();
    headers.forEach(request::header);
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(r -> new Answer(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null)));
  }

  static String describe(Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof java.net.http.HttpTimeoutException) {
      return "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
    }
    if (cause instanceof java.net.ConnectException || cause instanceof IOException) {
      return "not reachable (" + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")";
    }
    return cause.toString();
  }
}
