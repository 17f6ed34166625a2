package io.stepstream.internal.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One HTTP request as a route sees it: method, path relative to its prefix, query, headers, body. */
public final class HttpCall {
  /** Request bodies above this are refused (413): commands and decisions are small. */
  public static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  private final HttpExchange exchange;
  private final String prefix;
  private final Map<String, String> query;
  private byte[] body;

  public HttpCall(HttpExchange exchange, String prefix) {
    this.exchange = exchange;
    this.prefix = prefix;
    this.query = parseQuery(exchange.getRequestURI().getRawQuery());
  }

  public String method() {
    return exchange.getRequestMethod();
  }

  /** The decoded path, e.g. {@code /api/runs/order-1}. */
  public String path() {
    return exchange.getRequestURI().getPath();
  }

  /** The path after the route's prefix, without the leading slash ({@code order-1} above); "" for the prefix itself. */
  public String pathAfterPrefix() {
    String rest = path().length() > prefix.length() ? path().substring(prefix.length()) : "";
    return rest.startsWith("/") ? rest.substring(1) : rest;
  }

  /**
   * The path after the prefix split on '/', each segment percent-decoded (run ids may hold '/';
   * clients encode it as %2F). Empty list for the prefix itself.
   */
  public List<String> segments() {
    String raw = exchange.getRequestURI().getRawPath();
    String rest = raw.length() > prefix.length() ? raw.substring(prefix.length()) : "";
    if (rest.startsWith("/")) {
      rest = rest.substring(1);
    }
    if (rest.isEmpty()) {
      return List.of();
    }
    return java.util.Arrays.stream(rest.split("/", -1)).map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toList();
  }

  public Optional<String> query(String name) {
    return Optional.ofNullable(query.get(name));
  }

  public Map<String, String> query() {
    return Collections.unmodifiableMap(query);
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
  }

  /** The request body (read once, at most {@link #MAX_BODY_BYTES}). */
  public byte[] body() {
    if (body == null) {
      try (InputStream in = exchange.getRequestBody()) {
        byte[] read = in.readNBytes(MAX_BODY_BYTES + 1);
        if (read.length > MAX_BODY_BYTES) {
          throw new HttpProblem(413, "request body over " + MAX_BODY_BYTES + " bytes");
        }
        body = read;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return body;
  }

  public String bodyText() {
    return new String(body(), StandardCharsets.UTF_8);
  }

  /** For routes that stream (server-sent events): write the response yourself and answer {@link HttpReply#handled()}. */
  public HttpExchange exchange() {
    return exchange;
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.putIfAbsent(name, value);
    }
    return params;
  }
}
