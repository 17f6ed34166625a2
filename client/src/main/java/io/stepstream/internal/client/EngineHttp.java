package io.stepstream.internal.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.client.EngineQueryException;
import io.stepstream.client.NotAuthorizedException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * GETs to the engine's HTTP API (JDK HttpClient): the base URLs are tried in order, the next one
 * when an engine does not answer or answers 503 (rebalancing); any instance answers for every run.
 * Sends the bearer token ({@code Authorization}) and, for dev mode, the user name header.
 */
public final class EngineHttp {
  static final String USER_HEADER = "X-Stepstream-User";

  private final List<URI> bases;
  private final String bearerToken;
  private final String user;
  private final Duration timeout;
  private final HttpClient http;

  public EngineHttp(List<String> baseUrls, String bearerToken, String user, Duration timeout) {
    if (baseUrls.isEmpty()) {
      throw new IllegalArgumentException("no engine URL: give at least one, e.g. http://engine-0:8080");
    }
    List<URI> parsed = new ArrayList<>();
    for (String url : baseUrls) {
      parsed.add(parse(url));
    }
    this.bases = List.copyOf(parsed);
    this.bearerToken = bearerToken;
    this.user = user;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /** Checks an engine base URL: {@code http(s)://host:port}, a trailing slash dropped. */
  public static URI parse(String url) {
    String trimmed = url == null ? "" : url.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(trimmed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("engine URL '" + url + "' is not a URL; use e.g. http://engine-0:8080", e);
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("engine URL '" + url + "' must be http(s)://host:port (the engine's --http-bind address)");
    }
    return uri;
  }

  public List<String> urls() {
    return bases.stream().map(URI::toString).toList();
  }

  /** An answer of the engine: status, body, and the URL that gave it. */
  public record Answer(int status, String body, String url) {}

  /**
   * The first answer of an engine other than 503, trying the URLs in order; an engine that does not
   * answer or answers 503 passes to the next. Throws {@link EngineQueryException} when none did.
   */
  public Answer get(String pathAndQuery) {
    List<String> failures = new ArrayList<>();
    Answer unavailable = null;
    for (URI base : bases) {
      String url = base + pathAndQuery;
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Accept", "application/json").GET();
      if (bearerToken != null) {
        request.header("Authorization", "Bearer " + bearerToken);
      }
      if (user != null) {
        request.header(USER_HEADER, user);
      }
      try {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        Answer answer = new Answer(response.statusCode(), response.body(), url);
        if (answer.status() == 503) {
          unavailable = answer;
          failures.add(base + " answered 503: " + errorOf(answer));
          continue;
        }
        return answer;
      } catch (IOException e) {
        failures.add(base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineQueryException("interrupted while asking " + base, 0, e);
      }
    }
    if (unavailable != null) {
      throw new EngineQueryException("the engine cannot answer now (partitions moving or an instance not answering); retry shortly: "
          + String.join("; ", failures), 503, null);
    }
    throw new EngineQueryException("no Stepstream engine answered at " + String.join(", ", urls()) + " (" + String.join("; ", failures)
        + "); check the engine URL and that the engine runs with its HTTP endpoint on (--http-bind)", 0, null);
  }

  /**
   * The JSON of a 200 answer; null for the engine's 404 "no run ..." when {@code notFoundIsEmpty}; else the engine's error as
   * an exception ({@link NotAuthorizedException} for 401/403, {@link EngineQueryException} otherwise).
   */
  public JsonNode getJson(String pathAndQuery, boolean notFoundIsEmpty) {
    Answer answer = get(pathAndQuery);
    if (answer.status() == 404 && notFoundIsEmpty && errorOf(answer).startsWith("no run ")) {
      return null; // the engine knows no such run (not: a server without the query API, which is an error below)
    }
    check(answer);
    try {
      return EngineJson.MAPPER.readTree(answer.body());
    } catch (IOException e) {
      throw new EngineQueryException(answer.url() + " answered something that is not JSON (" + e.getMessage() + "); is it a Stepstream engine?", 200, e);
    }
  }

  /** Throws for anything but 200. */
  public static void check(Answer answer) {
    if (answer.status() == 200) {
      return;
    }
    String error = errorOf(answer);
    if (answer.status() == 401 || answer.status() == 403) {
      throw new NotAuthorizedException("the engine refused the query (" + answer.status() + "): " + error, "GET", answer.url(), null);
    }
    throw new EngineQueryException("the engine answered " + answer.status() + " to GET " + answer.url() + ": " + error, answer.status(), null);
  }

  static String errorOf(Answer answer) {
    try {
      JsonNode json = EngineJson.MAPPER.readTree(answer.body());
      if (json != null && json.hasNonNull("error")) {
        return json.get("error").asText();
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: the body as it is
    }
    String body = answer.body() == null ? "" : answer.body().strip();
    return body.length() > 300 ? body.substring(0, 300) + "…" : body;
  }
}
