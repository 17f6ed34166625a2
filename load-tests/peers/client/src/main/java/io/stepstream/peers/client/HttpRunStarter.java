package io.stepstream.peers.client;

import io.stepstream.closedloop.RunStarter;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Starts run {@code i} of a closed loop as one HTTP call to a peer; the stage fails (the run counts as
 * an error) unless the peer answers 200 with the workflow's output.
 *
 * <pre>{@code
 * RunStarter s = new HttpRunStarter(http, PeerEndpoint.forSystem("dbos", base), "measure-171-", Duration.ofSeconds(60));
 * ClosedLoopResult r = ClosedLoop.run(s, 64, 20_000, Duration.ofSeconds(60));
 * }</pre>
 */
public final class HttpRunStarter implements RunStarter {
  static final String INPUT = "x";

  private final HttpClient http;
  private final PeerEndpoint endpoint;
  private final String runIdPrefix;
  private final Duration timeout;

  /** {@code runIdPrefix} must be unique per benchmark phase: ids are {@code runIdPrefix + i}. */
  public HttpRunStarter(HttpClient http, PeerEndpoint endpoint, String runIdPrefix, Duration timeout) {
    this.http = http;
    this.endpoint = endpoint;
    this.runIdPrefix = runIdPrefix;
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<?> start(long i) {
    return http.sendAsync(endpoint.request(runIdPrefix + i, INPUT, timeout), HttpResponse.BodyHandlers.ofString())
        .thenApply(this::checked);
  }

  private String checked(HttpResponse<String> response) {
    String expected = endpoint.expectedBody(INPUT);
    if (response.statusCode() != 200 || !expected.equals(response.body().trim())) {
      throw new BadResponseException(response.statusCode(), response.body());
    }
    return response.body();
  }

  /** The peer answered, but not with a completed run's output. */
  public static final class BadResponseException extends RuntimeException {
    BadResponseException(int status, String body) {
      super("HTTP " + status + ": " + (body.length() > 200 ? body.substring(0, 200) + "..." : body));
    }
  }
}
